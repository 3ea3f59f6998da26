/** Runs retention in the background: bounded steps between the agent's writes. */
import type { DatabaseSync } from 'node:sqlite';
import { parseDurationMs } from '../../domain/time-spec.ts';
import { Retention } from '../../store/retention.ts';
import type { Config } from '../config.ts';

export interface RetentionTask {
  readonly retention: Retention;
  readonly timer: NodeJS.Timeout;
  /** Runs retention now (unless it is running): the store has outgrown its size budget. */
  readonly kick: () => void;
}

/** retention.maxSizeMiB in bytes; undefined when there is no size limit. */
export function maxBytesOf(cfg: Config['retention']): number | undefined {
  return cfg.maxSizeMiB === 0 ? undefined : cfg.maxSizeMiB * 1024 * 1024;
}

/** `mainLimit`: what the database's live pages may take (the size budget less the WAL's share). */
export function scheduleRetention(
  db: DatabaseSync,
  cfg: Config['retention'],
  stopped: () => boolean,
  mainLimit: number | undefined,
): RetentionTask | undefined {
  const maxAgeSeconds = cfg.maxAge === '0' ? undefined : parseDurationMs(cfg.maxAge) / 1000;
  const maxBytes = mainLimit;
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
  return { retention, timer: setInterval(run, cfg.intervalSeconds * 1000), kick: run };
}
