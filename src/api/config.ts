/**
 * API settings (`api.*`): the root-only Unix socket always (unless disabled),
 * TCP only when configured, and then only with a bearer token; TLS optional.
 */
import { z } from 'zod';
import { absolutePath, requireToken, tcpListenFields } from './tcp-listen.ts';

export const ApiConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Default: <runtimeDir>/api.sock (/run/bpfwarden/api.sock). */
    socket: absolutePath.optional(),
    tcp: z
      .object({
        ...tcpListenFields(0),
        tls: z.object({ cert: absolutePath, key: absolutePath }).strict().optional(),
      })
      .strict()
      .refine(...requireToken('api'))
      .optional(),
    /** Largest accepted request body. */
    bodyLimitKiB: z.number().int().min(1).max(65_536).default(1024),
  })
  .strict()
  .prefault({});

export type ApiConfig = z.infer<typeof ApiConfigSchema>;
