/**
 * gRPC settings (`grpc.*`), for the agent's configuration schema: the
 * root-only Unix socket unless disabled, TCP only when configured and then
 * only with a bearer token (inline or from a file).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { absolutePath, readTcpToken, requireToken, tcpListenFields } from '../tcp-listen.ts';
import { GrpcError } from './errors.ts';
import type { GrpcListen } from './server.ts';

export const GrpcConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Default: <runtimeDir>/grpc.sock. */
    socket: absolutePath.optional(),
    tcp: z
      .object({
        ...tcpListenFields(1),
        /** Connections open at once (before any token is checked); more are closed as they arrive. */
        maxConnections: z.number().int().min(1).max(65_536).default(128),
      })
      .strict()
      .refine(...requireToken('grpc'))
      .optional(),
  })
  .strict()
  .prefault({});

export type GrpcConfig = z.infer<typeof GrpcConfigSchema>;

/** Where to listen: the socket, then TCP when configured (one server each). Reads a token file. */
export function grpcListens(c: GrpcConfig, runtimeDir: string): GrpcListen[] {
  if (!c.enabled) return [];
  const out: GrpcListen[] = [{ socket: c.socket ?? join(runtimeDir, 'grpc.sock') }];
  if (c.tcp) {
    const token = readTcpToken('grpc', c.tcp, (m) => new GrpcError('GRPC_CONFIG', m));
    out.push({ host: c.tcp.host, port: c.tcp.port, token, maxConnections: c.tcp.maxConnections });
  }
  return out;
}
