/**
 * Bearer tokens for gRPC over TCP (metadata `authorization: Bearer <t>`).
 * The Unix socket is root-only by file mode and needs none. Compared in
 * constant time over SHA-256 digests: equal lengths, so neither the content
 * nor the length of the token leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function bearerMatches(metadata: Metadata, token: string): boolean {
  const values = metadata.get('authorization');
  if (values.length !== 1 || typeof values[0] !== 'string') return false;
  const m = /^Bearer (.+)$/i.exec(values[0]);
  return m?.[1] !== undefined && timingSafeEqual(digest(m[1]), digest(token));
}
