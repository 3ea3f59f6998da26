/**
 * Bearer tokens for the TCP listener. The Unix socket is root-only by file
 * mode and needs none. Compared in constant time over SHA-256 digests, so
 * neither content nor length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.ts';

/** Paths a load balancer or orchestrator probes without credentials. */
const OPEN = new Set(['/healthz', '/readyz']);

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

export function requireBearer(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (req) => {
    if (OPEN.has(req.url.split('?')[0] ?? '')) return;
    const h = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/i.exec(h);
    if (!m?.[1] || !tokenMatches(m[1], token)) {
      throw new HttpError(
        'API_UNAUTHORIZED',
        'missing or wrong bearer token (Authorization: Bearer <token>)',
      );
    }
  });
}
