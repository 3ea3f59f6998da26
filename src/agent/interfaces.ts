/**
 * The agent's interfaces to the outside: the REST API (with SSE and
 * /metrics) and gRPC, over one pair of live feeds and one metrics registry.
 * Each part that cannot start is logged and skipped: capture goes on, since
 * losing events because a socket is taken would be worse.
 */
import { workerDb } from '../api/db/client.ts';
import { AlertFeed, EventFeed } from '../api/feed/index.ts';
import { type GrpcServer, grpcListens, startGrpcServer } from '../api/grpc/index.ts';
import type { ApiDeps, FirewallApi, PolicyApi, ProgramsApi } from '../api/http/deps.ts';
import { startApi } from '../api/http/listen.ts';
import { createMetrics, type MetricsAgent, metricsSourceFromAgent } from '../api/metrics/index.ts';
import { StreamSlots } from '../api/streams/index.ts';
import { AgentError } from '../domain/agent-error.ts';
import type { Config } from './config.ts';

export const AGENT_VERSION = '0.1.0';

export interface InterfaceHost extends MetricsAgent {
  ready(): { ready: boolean; detail?: string };
}

export interface AgentInterfaces {
  /** Where each listener is, for the ready line. */
  readonly addresses: readonly string[];
  close(): Promise<void>;
}

export async function startInterfaces(
  host: InterfaceHost,
  config: Config,
  opts: {
    readonly programs?: ProgramsApi;
    readonly policy?: PolicyApi;
    readonly firewall?: FirewallApi;
    readonly log: (line: string) => void;
  },
): Promise<AgentInterfaces> {
  const { log } = opts;
  const onError = (what: string) => (err: unknown) => log(`${what}: ${(err as Error).message}`);
  // Feeds tail the store only while someone is subscribed.
  const events = new EventFeed({ database: config.database, onError: onError('event stream') });
  const alerts = new AlertFeed({ database: config.database, onError: onError('alert stream') });
  // One budget of live streams for SSE and gRPC: each may hold up to its buffer bound.
  const streams = new StreamSlots(config.api.maxStreams);
  const metricsSource = metricsSourceFromAgent(host, {
    database: config.database,
    streams: () => streams.stats(),
  });
  const closers: (() => Promise<void> | void)[] = [
    () => events.close(),
    () => alerts.close(),
    () => metricsSource.close(),
  ];
  const addresses: string[] = [];

  if (config.api.enabled) {
    const db = workerDb(config.database);
    const deps: ApiDeps = {
      db,
      status: () => host.snapshot(),
      health: () => host.ready(),
      version: AGENT_VERSION,
      feeds: { events, alerts },
      streams,
      metrics: createMetrics(metricsSource),
      ...(opts.programs ? { programs: opts.programs } : {}),
      ...(opts.policy ? { policy: opts.policy } : {}),
      ...(opts.firewall ? { firewall: opts.firewall } : {}),
    };
    try {
      const api = await startApi(config.api, config.runtimeDir, deps, {
        log,
        fail: (code, message) => new AgentError(code, message),
      });
      closers.unshift(() => api.close());
      addresses.push(...[api.socket, api.tcp].filter((a): a is string => a !== undefined));
    } catch (err) {
      log(`API not started: ${(err as Error).message}`);
    }
    closers.push(() => db.close());
  }

  if (config.grpc.enabled) {
    for (const listen of grpcListens(config.grpc, config.runtimeDir)) {
      try {
        const server: GrpcServer = await startGrpcServer({
          eventFeed: events,
          alertFeed: alerts,
          status: () => host.snapshot(),
          listen,
          runtimeDir: config.runtimeDir,
          log,
          streams,
        });
        closers.unshift(() => server.close());
        addresses.push(`gRPC ${server.address}`);
      } catch (err) {
        log(`gRPC not started: ${(err as Error).message}`);
      }
    }
  }

  return {
    addresses,
    close: async () => {
      for (const c of closers) {
        try {
          await c();
        } catch (err) {
          log(`closing interfaces: ${(err as Error).message}`);
        }
      }
    },
  };
}
