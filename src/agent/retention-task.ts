/** Runs retention in the background: bounded steps between the agent's writes. */
import type { DatabaseSync } from 'node:sqlite';
import { parseDurationMs } from '../domain/time-spec.ts';
import { Retention } from '../store/retention.ts';
import type { Config } from './config.ts';

export function scheduleRetention(
  db: DatabaseSync,
  cfg: Config['retention'],
  stopped: () => boolean,
): { retention: Retention; timer: NodeJS.Timeout } | undefined {
  const maxAgeSeconds = cfg.maxAge === '0' ? undefined : parseDurationMs(cfg.maxAge) / 1000;
  const maxBytes = cfg.maxSizeMiB === 0 ? undefined : cfg.maxSizeMiB * 1024 * 1024;
  if (maxAgeSeconds === undefined && maxBytes === undefined) return undefined;
  const retention = new Retention(db, {
    ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}),
    ...(maxBytes !== undefined ? { maxBytes } : {}),
  });
  let running = false;
  const run = (): void => {
    if (running || stopped()) return;
    running = true;
    // One short transaction per turn of the event loop: capture keeps flowing between steps.
    const next = (): void => {
      if (stopped()) return;
      if (retention.step(Date.now() * 1000)) setImmediate(next);
      else running = false;
    };
    next();
  };
  run();
  return { retention, timer: setInterval(run, cfg.intervalSeconds * 1000) };
}
