/**
 * API settings (`api.*`): the root-only Unix socket always (unless disabled),
 * TCP only when configured, and then only with a bearer token; TLS optional.
 */
import { z } from 'zod';
import { DEFAULT_MAX_STREAMS } from './streams/slots.ts';
import { absolutePath, requireToken, tcpListenFields } from './tcp-listen.ts';

export const ApiConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Default: <runtimeDir>/api.sock (/run/bpfwarden/api.sock). */
    socket: absolutePath.optional(),
    /** Connections open at once on the Unix socket; more are closed as they arrive. */
    maxConnections: z.number().int().min(1).max(65_536).default(256),
    tcp: z
      .object({
        ...tcpListenFields(0),
        tls: z.object({ cert: absolutePath, key: absolutePath }).strict().optional(),
        /** Connections open at once (before any token is checked); more are closed as they arrive. */
        maxConnections: z.number().int().min(1).max(65_536).default(512),
        /** Time from connecting to the end of the request headers: idle and slow clients are cut. */
        headersTimeoutMs: z.number().int().min(100).max(300_000).default(5000),
        /** Time from connecting to the end of the request body. */
        requestTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
      })
      .strict()
      .refine(...requireToken('api'))
      .refine((t) => t.headersTimeoutMs <= t.requestTimeoutMs, {
        message: 'api.tcp.headersTimeoutMs must not exceed api.tcp.requestTimeoutMs',
        path: ['headersTimeoutMs'],
      })
      .optional(),
    /** Live streams (SSE on every listener and gRPC) open at once; more get 503 / RESOURCE_EXHAUSTED. */
    maxStreams: z.number().int().min(1).max(65_536).default(DEFAULT_MAX_STREAMS),
    /** Largest accepted request body. */
    bodyLimitKiB: z.number().int().min(1).max(65_536).default(1024),
  })
  .strict()
  .prefault({});

export type ApiConfig = z.infer<typeof ApiConfigSchema>;
