/**
 * Where the API listens: a Unix socket (created 0600 in a 0700 directory,
 * so root only) and, when configured, TCP with a bearer token and optional
 * TLS. A stale socket left by a crashed agent is replaced; a live one
 * (another agent) is an error.
 */
import { existsSync, lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from '../config.ts';
import { fitConnectionCaps, openFileLimit } from '../fd-budget.ts';
import { listenPrivately, preparePrivateDir } from '../private-socket.ts';
import { readTcpToken } from '../tcp-listen.ts';
import type { ApiDeps } from './deps.ts';
import { type BuildOptions, buildApi } from './server.ts';

export interface ApiListeners {
  readonly socket?: string;
  readonly tcp?: string;
  close(): Promise<void>;
}

function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function apiSocketPath(config: ApiConfig, runtimeDir: string): string {
  return config.socket ?? join(runtimeDir, 'api.sock');
}

/** Builds the error a failed start throws: the caller's own class (the agent's), so the API needs none of it. */
export type StartFailure = (code: 'AGENT_API' | 'AGENT_CONFIG', message: string) => Error;

export interface StartOptions extends Pick<BuildOptions, 'extraRoutes' | 'log'> {
  readonly fail: StartFailure;
}

export async function startApi(
  config: ApiConfig,
  runtimeDir: string,
  deps: ApiDeps,
  opts: StartOptions,
): Promise<ApiListeners> {
  const { fail, ...extra } = opts;
  // Errors made here already say what failed; anything else gets the "cannot start" prefix.
  const ours = new WeakSet<Error>();
  const failure = (code: 'AGENT_API' | 'AGENT_CONFIG', message: string): Error => {
    const e = fail(code, message);
    ours.add(e);
    return e;
  };
  const apps: FastifyInstance[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.allSettled(apps.map((a) => a.close()));
  };
  const common = { ...extra, bodyLimit: config.bodyLimitKiB * 1024 };
  let socket: string | undefined;
  let tcp: string | undefined;
  const limit = openFileLimit();
  const wanted = [config.maxConnections, ...(config.tcp ? [config.tcp.maxConnections] : [])];
  const [socketCap = config.maxConnections, tcpCap = 0] = fitConnectionCaps(wanted, limit);
  if (socketCap !== wanted[0] || (config.tcp && tcpCap !== wanted[1])) {
    extra.log?.(
      `API: open file limit ${limit}: connections capped at ${socketCap} on the socket${config.tcp ? ` and ${tcpCap} on TCP` : ''} (configured ${wanted.join(', ')}), to keep descriptors for the agent; raise the limit (LimitNOFILE) to allow more`,
    );
  }
  try {
    const path = apiSocketPath(config, runtimeDir);
    preparePrivateDir(path, runtimeDir, 'api.socket', (m) => failure('AGENT_API', m));
    if (existsSync(path)) {
      if (!lstatSync(path).isSocket())
        throw failure('AGENT_API', `${path} exists and is not a socket; remove it or choose api.socket`);
      if (await socketInUse(path))
        throw failure('AGENT_API', `${path}: another process (an agent?) is serving the API there`);
      unlinkSync(path);
    }
    const app = await buildApi(deps, common);
    apps.push(app);
    // Over the cap, Node closes a new connection as soon as it is accepted.
    app.server.maxConnections = socketCap;
    await listenPrivately(() => app.listen({ path }));
    socket = path;
    if (config.tcp) {
      const t = config.tcp;
      const token = readTcpToken('api', t, (m) => failure('AGENT_CONFIG', m));
      const tls = t.tls ? { key: readFileSync(t.tls.key), cert: readFileSync(t.tls.cert) } : undefined;
      const tcpApp = await buildApi(deps, {
        ...common,
        token,
        timeouts: { headersTimeoutMs: t.headersTimeoutMs, requestTimeoutMs: t.requestTimeoutMs },
        ...(tls ? { tls } : {}),
      });
      apps.push(tcpApp);
      tcpApp.server.maxConnections = tcpCap;
      await tcpApp.listen({ host: t.host, port: t.port });
      const bound = tcpApp.server.address();
      const port = typeof bound === 'object' && bound ? bound.port : t.port;
      tcp = `${tls ? 'https' : 'http'}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${port}`;
    }
  } catch (err) {
    await closeAll();
    if (err instanceof Error && ours.has(err)) throw err;
    throw failure('AGENT_API', `cannot start the API: ${(err as Error).message}`);
  }
  return {
    ...(socket ? { socket } : {}),
    ...(tcp ? { tcp } : {}),
    close: async () => {
      await closeAll();
      if (socket && existsSync(socket)) unlinkSync(socket);
    },
  };
}
