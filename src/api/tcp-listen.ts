/**
 * What the API and gRPC listeners share: the absolute-path check, the TCP
 * block (host, port, a bearer token inline or from a file, required) and
 * reading the token file. Each section names itself in messages.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const absolutePath = z.string().startsWith('/', 'must be an absolute path');

/** The TCP listener's fields; `section` (api, grpc) names the keys in the message when the token is missing. */
export function tcpListenFields(portMin: number) {
  return {
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 picks a free port (where allowed; the agent logs which). */
    port: z.number().int().min(portMin).max(65_535),
    /** The bearer token itself (prefer tokenFile: config files get copied around). */
    token: z.string().min(16, 'must be at least 16 characters').optional(),
    /** A file holding the token (first line). */
    tokenFile: absolutePath.optional(),
  };
}

export function requireToken(section: string) {
  return [
    (t: { token?: string | undefined; tokenFile?: string | undefined }) =>
      t.token !== undefined || t.tokenFile !== undefined,
    { message: `TCP needs a bearer token: set ${section}.tcp.token or ${section}.tcp.tokenFile` },
  ] as const;
}

/** The token of a TCP listener: inline, or the first line of its file (at least 16 characters). */
export function readTcpToken(
  section: string,
  tcp: { token?: string | undefined; tokenFile?: string | undefined },
  fail: (message: string) => Error,
): string {
  if (tcp.token !== undefined) return tcp.token;
  const path = tcp.tokenFile ?? '';
  let token: string;
  try {
    token = (readFileSync(path, 'utf8').split('\n')[0] ?? '').trim();
  } catch (err) {
    throw fail(`${section}.tcp.tokenFile: cannot read ${path}: ${(err as Error).message}`);
  }
  if (token.length < 16)
    throw fail(`${section}.tcp.tokenFile: the token in ${path} must be at least 16 characters`);
  return token;
}
