/**
 * How fast EventWriter.flush() writes exec events into a database file on
 * disk (WAL, synchronous=NORMAL, all indexes). Prints rows/s for one flush of
 * the whole queue and for the batched flushes an agent would do.
 *
 *   node_modules/.bin/node bench/store-write.ts [rows] [dir]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecEvent } from '../src/families/process/events.ts';
import { openDatabase } from '../src/store/database.ts';
import { EventWriter } from '../src/store/event-writer.ts';

const rows = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(join(process.argv[3] ?? tmpdir(), 'bpfwarden-bench-'));

// Realistic shapes: varied pids and comms (they are indexed), a few arguments.
function makeEvents(n: number, startUs: number): ExecEvent[] {
  const comms = ['bash', 'curl', 'git', 'node', 'python3', 'ls', 'grep', 'sshd'];
  return Array.from({ length: n }, (_, i) => {
    const comm = comms[i % comms.length]!;
    return {
      type: 'exec',
      timeUs: startUs + i * 10,
      ktimeNs: i * 10_000,
      pid: 10_000 + (i % 30_000),
      tid: 10_000 + (i % 30_000),
      ppid: 1 + (i % 500),
      uid: i % 3 === 0 ? 0 : 1000,
      gid: 1000,
      cgroupId: 4000 + (i % 64),
      comm,
      filename: `/usr/bin/${comm}`,
      argv: [comm, '--verbose', `/home/user/project/file-${i}.txt`, '-o', 'out'],
      argc: 5,
      argsTruncated: false,
      filenameTruncated: false,
      oldPid: 10_000 + (i % 30_000),
    };
  });
}

function measure(label: string, batch: number): void {
  const path = join(dir, `${label}.db`);
  const db = openDatabase(path);
  const writer = new EventWriter(db, { maxQueue: rows });
  writer.enqueue(makeEvents(rows, Date.now() * 1000));
  const started = performance.now();
  let written = 0;
  while (writer.queued > 0) {
    const n = writer.flush(batch);
    if (n === 0) throw new Error(`flush failed: ${writer.stats.lastError}`);
    written += n;
  }
  const ms = performance.now() - started;
  db.close();
  const rate = Math.round((written / ms) * 1000);
  console.log(
    `${label.padEnd(16)} ${written} rows in ${ms.toFixed(0)} ms: ${rate.toLocaleString('en-US')} rows/s ` +
      `(${writer.stats.batches} transactions)`,
  );
}

try {
  console.log(`EventWriter.flush(), ${rows} exec events, file on disk in ${dir}`);
  measure('one-flush', Number.POSITIVE_INFINITY);
  measure('batches-of-5000', 5000);
  measure('batches-of-500', 500);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
