/**
 * The gRPC server (bpfwarden.v1.Bpfwarden): alert and event streams over the
 * live feeds, and the agent's status. On a Unix socket (created 0600 in a
 * 0700 directory: root only) it needs no credentials; on TCP every call must carry
 * `authorization: Bearer <token>`. A stream ends with OK when the server
 * closes, and is released as soon as the client cancels. A call that does
 * not drain is reset (RST_STREAM ENHANCE_YOUR_CALM: RESOURCE_EXHAUSTED at
 * the client); over api.maxStreams a new one is RESOURCE_EXHAUSTED.
 */
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, Server as NetServer } from 'node:net';
import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServerErrorResponse,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import type { StatusSnapshot } from '../../domain/contracts/status.ts';
import { END_CLOSED, END_LAGGED, FeedError } from '../feed/errors.ts';
import type { FeedHandlers, FeedSubscription } from '../feed/table-tail.ts';
import { listenPrivately, preparePrivateDir } from '../private-socket.ts';
import {
  type CutReason,
  STREAM_BUFFER_MESSAGES,
  STREAM_DRAIN_TIMEOUT_MS,
  StreamSlots,
  WriteGuard,
} from '../streams/index.ts';
import { bearerMatches } from './auth.ts';
import {
  alertFilterFromProto,
  alertToProto,
  eventFilterFromProto,
  eventToProto,
  PROTO_FIELD,
  statusToProto,
} from './convert.ts';
import { CallStatus, callStatusOf, GrpcError } from './errors.ts';
import * as pb from './gen/bpfwarden/v1/bpfwarden.ts';
import { once, resetCall, resetUnlessFinished, sharedEncoding } from './stream-cut.ts';

/** A live feed as the server uses it (EventFeed and AlertFeed are these). */
export interface Feed<Row, Filter> {
  subscribe(filter: Filter, handlers: FeedHandlers<Row>, after?: number): FeedSubscription;
}

/** The agent's status now; undefined while it is not available. */
export type StatusProvider = () => StatusSnapshot | undefined | Promise<StatusSnapshot | undefined>;

export type GrpcListen =
  | { readonly socket: string }
  | {
      readonly host: string;
      readonly port: number;
      readonly token: string;
      /** Connections open at once; more are closed as they arrive (default 128). */
      readonly maxConnections?: number;
    };

export interface GrpcServerOptions {
  readonly eventFeed: Feed<
    Parameters<typeof eventToProto>[0],
    ReturnType<typeof eventFilterFromProto>['filter']
  >;
  readonly alertFeed: Feed<
    Parameters<typeof alertToProto>[0],
    ReturnType<typeof alertFilterFromProto>['filter']
  >;
  readonly status: StatusProvider;
  readonly listen: GrpcListen;
  /** The agent's runtime directory: a socket there may have it made 0700 (any other directory must be private already). */
  readonly runtimeDir?: string;
  readonly log?: (line: string) => void;
  /** Live streams open at once, shared with SSE (default: a budget of its own, DEFAULT_MAX_STREAMS). */
  readonly streams?: StreamSlots;
}

export interface GrpcServer {
  /** The address clients dial: unix:///path or host:port. */
  readonly address: string;
  /** The bound TCP port (useful with port 0). */
  readonly port?: number;
  /** Ends every stream (OK), stops accepting calls, removes the socket. */
  close(): Promise<void>;
}

const MIN_TOKEN = 16;
const DEFAULT_MAX_CONNECTIONS = 128;
const SHUTDOWN_GRACE_MS = 2000;

/** A feed's failure: a bad filter names the request field (as the proto spells it). */
function feedFailure(err: unknown): ServerErrorResponse {
  if (err instanceof FeedError && err.code === 'FEED_BAD_FILTER' && err.field === undefined) {
    return new CallStatus(err.kind, `filter: ${err.message}`);
  }
  return callStatusOf(err, (f) => PROTO_FIELD[f] ?? f);
}

export async function startGrpcServer(o: GrpcServerOptions): Promise<GrpcServer> {
  const token = 'token' in o.listen ? o.listen.token : undefined;
  if (token !== undefined && token.length < MIN_TOKEN) {
    throw new GrpcError('GRPC_CONFIG', `grpc.token must be at least ${MIN_TOKEN} characters`);
  }
  const allowed = (md: Metadata): boolean => token === undefined || bearerMatches(md, token);
  const unauthenticated = (): ServerErrorResponse =>
    new CallStatus(
      'unauthenticated',
      'missing or wrong bearer token (metadata authorization: Bearer <token>)',
    );
  /** Ends each open stream cleanly; called on close. */
  const open = new Set<() => void>();
  const slots = o.streams ?? new StreamSlots();
  // Every call on a feed gets the same row objects: convert (and below, encode) each once.
  const eventMsg = once(eventToProto);
  const alertMsg = once(alertToProto);

  function serve<Req, Row, Filter, Msg>(
    call: ServerWritableStream<Req, Msg>,
    feed: Feed<Row, Filter>,
    parse: (req: Req) => { filter: Filter; after: number | undefined },
    toMsg: (row: Row) => Msg,
  ): void {
    if (!allowed(call.metadata)) {
      call.emit('error', unauthenticated());
      return;
    }
    const release = slots.acquire();
    if (!release) {
      call.emit(
        'error',
        new CallStatus(
          'exhausted',
          `${slots.max} live streams are open (api.maxStreams, SSE and gRPC together); try again later`,
        ),
      );
      return;
    }
    let sub: FeedSubscription | undefined;
    let done = false;
    /** Bookkeeping only: the call itself is ended by the caller. */
    const settle = (): boolean => {
      if (done) return false;
      done = true;
      open.delete(stop);
      guard.dispose();
      sub?.();
      release();
      return true;
    };
    const finish = (err?: ServerErrorResponse): void => {
      if (!settle()) return;
      if (err) call.emit('error', err);
      else call.end();
    };
    const cut = (reason: CutReason): void => {
      if (!settle()) return;
      slots.cut(reason);
      resetCall(call);
    };
    const stop = (): void => finish();
    const guard = new WriteGuard(call, {
      maxQueued: STREAM_BUFFER_MESSAGES,
      drainTimeoutMs: STREAM_DRAIN_TIMEOUT_MS,
      onCut: cut,
    });
    try {
      const { filter, after } = parse(call.request);
      sub = feed.subscribe(
        filter,
        {
          deliver: (rows) => {
            if (done || !guard.admit(rows.length)) return false;
            let more = true;
            for (const r of rows) more = call.write(toMsg(r));
            return guard.wrote(more);
          },
          end: (reason) => {
            if (done) return;
            if (reason === END_LAGGED) {
              slots.cut('lagged');
              // The status waits behind the messages still queued: a client that reads them gets it, one that does not is reset.
              if (call.writableLength > 0) resetUnlessFinished(call, STREAM_DRAIN_TIMEOUT_MS);
            }
            finish(
              reason === END_CLOSED
                ? undefined
                : new CallStatus(
                    reason === END_LAGGED ? 'exhausted' : 'internal',
                    reason === END_LAGGED
                      ? 'stream lagged: the client fell behind; resume with after_id set to the last id received'
                      : `stream failed (${reason})`,
                  ),
            );
          },
        },
        after,
      );
    } catch (err) {
      finish(feedFailure(err));
      return;
    }
    open.add(stop);
    call.on('drain', () => sub?.resume());
    call.on('cancelled', () => {
      settle();
    });
  }

  const impl: pb.BpfwardenServer = {
    streamAlerts: (call) => serve(call, o.alertFeed, alertFilterFromProto, alertMsg),
    streamEvents: (call) => serve(call, o.eventFeed, eventFilterFromProto, eventMsg),
    getStatus: (call, callback) => {
      if (!allowed(call.metadata)) {
        callback(unauthenticated());
        return;
      }
      Promise.resolve()
        .then(() => o.status())
        .then(
          (s) =>
            s
              ? callback(null, statusToProto(s))
              : callback(new CallStatus('unavailable', 'the agent status is not available yet')),
          (err: unknown) =>
            callback(new CallStatus('internal', `cannot read status: ${(err as Error).message}`)),
        );
    },
  };

  const server = new Server();
  server.addService(sharedEncoding(pb.BpfwardenService), impl);
  const socket = 'socket' in o.listen ? o.listen.socket : undefined;
  let address: string;
  if (socket !== undefined) {
    await prepareSocket(socket, o.runtimeDir);
    address = `unix://${socket}`;
  } else {
    const l = o.listen as Extract<GrpcListen, { host: string }>;
    if (!Number.isInteger(l.port) || l.port < 0 || l.port > 65_535) {
      throw new GrpcError('GRPC_CONFIG', `grpc.listen port must be from 0 to 65535, got ${l.port}`);
    }
    address = l.host.includes(':') ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`;
  }
  const bind = (): Promise<number> =>
    new Promise<number>((resolve, reject) =>
      server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) =>
        err
          ? reject(new GrpcError('GRPC_LISTEN', `cannot listen on ${address}: ${err.message}`))
          : resolve(p),
      ),
    );
  const port = socket !== undefined ? await listenPrivately(bind) : await bind();
  if (socket === undefined) {
    const cap = (o.listen as { maxConnections?: number }).maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    capConnections(server, cap);
  }
  let closing: Promise<void> | undefined;
  return {
    address: socket !== undefined ? address : address.replace(/:\d+$/, `:${port}`),
    ...(socket === undefined ? { port } : {}),
    close: () => {
      closing ??= (async () => {
        for (const stop of [...open]) stop();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, SHUTDOWN_GRACE_MS);
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (socket !== undefined && existsSync(socket)) unlinkSync(socket);
        o.log?.(`gRPC server on ${address} closed`);
      })();
      return closing;
    },
  };
}

/**
 * Every TCP connection holds a descriptor before any token is checked, so
 * the listener is capped. grpc-js has no option for it: its listening
 * servers are reached through a field it does not export, and a grpc-js
 * without that field is a start-up error rather than an unbounded listener.
 */
function capConnections(server: Server, cap: number): void {
  const listening = (server as unknown as { http2Servers?: Map<unknown, unknown> }).http2Servers;
  const nets = [...(listening?.keys() ?? [])].filter((s): s is NetServer => s instanceof NetServer);
  if (nets.length === 0) {
    server.forceShutdown();
    throw new GrpcError(
      'GRPC_LISTEN',
      'cannot cap TCP connections: this grpc-js does not expose its listeners',
    );
  }
  for (const s of nets) s.maxConnections = cap;
}

/** A stale socket (nobody listening) is replaced; a live one belongs to someone else. */
async function prepareSocket(path: string, runtimeDir: string | undefined): Promise<void> {
  preparePrivateDir(path, runtimeDir, 'grpc.socket', (m) => new GrpcError('GRPC_LISTEN', m));
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) {
    throw new GrpcError('GRPC_LISTEN', `${path} exists and is not a socket; remove it or choose grpc.socket`);
  }
  const live = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (live) throw new GrpcError('GRPC_LISTEN', `${path} is in use (is another agent running?)`);
  unlinkSync(path);
}
