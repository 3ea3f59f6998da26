/** What the database holds: rows per table, size on disk, time span. */
import { statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { schemaVersion } from './migrations.ts';
import { usedBytes } from './retention.ts';
import { EVENT_TABLES } from './tables/index.ts';

export interface DbStats {
  readonly path: string;
  readonly schemaVersion: number;
  readonly fileBytes: number;
  readonly walBytes: number;
  readonly usedBytes: number;
  readonly tables: readonly {
    name: string;
    rows: number;
    oldestUs: number | null;
    newestUs: number | null;
  }[];
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function dbStats(db: DatabaseSync, path: string): DbStats {
  const tables = EVENT_TABLES.map((t) => {
    const r = db
      .prepare(`SELECT count(*) AS n, min(time_us) AS lo, max(time_us) AS hi FROM ${t.name}`)
      .get() as {
      n: number;
      lo: number | null;
      hi: number | null;
    };
    return { name: t.name, rows: r.n, oldestUs: r.lo, newestUs: r.hi };
  });
  return {
    path,
    schemaVersion: schemaVersion(db),
    fileBytes: size(path),
    walBytes: size(`${path}-wal`),
    usedBytes: usedBytes(db),
    tables,
  };
}
