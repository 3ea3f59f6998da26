/**
 * File descriptors for API connections. Every connection holds one, before
 * any token is checked, so connections are capped well below the process's
 * limit: the rest stay for the agent's own files, BPF maps, rings, database
 * and status file, which must never fail with EMFILE because of clients.
 */
import { readFileSync } from 'node:fs';

/** The soft RLIMIT_NOFILE (from /proc/self/limits); undefined when unlimited or unreadable. */
export function openFileLimit(limits?: string): number | undefined {
  let text = limits;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  const n = Number(m?.[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** At most this share of the limit goes to client connections. */
const CLIENT_SHARE = 0.5;
/** Each listener keeps at least this many however low the limit. */
const MIN_PER_LISTENER = 8;

/**
 * The caps to apply: the configured ones, scaled down together when their sum
 * exceeds the client share of `limit`. Returns the caps in the same order.
 */
export function fitConnectionCaps(caps: readonly number[], limit: number | undefined): number[] {
  const total = caps.reduce((a, b) => a + b, 0);
  if (limit === undefined || total <= limit * CLIENT_SHARE) return [...caps];
  const f = (limit * CLIENT_SHARE) / total;
  return caps.map((c) => Math.max(MIN_PER_LISTENER, Math.floor(c * f)));
}
