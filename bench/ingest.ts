/**
 * The store worker's per-event path on its own, without a kernel: raw file
 * open records framed as the ring buffer bridge frames them (u32 size, u32
 * reserved, data, padding to 8), in batches of about one wake-up's worth,
 * decoded and written by the same code the worker runs, into a database
 * file on disk. Prints rows/s, µs/row, and the share of decode.
 *
 *   node bench/ingest.ts [rows=400000] [batchRecords=512] [dir]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/ingest.ts      # where the time goes
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchIngest } from '../src/agent/ingest/batch-ingest.ts';
import { BootClock } from '../src/domain/clock.ts';
import { HEADER } from '../src/domain/layout/header.ts';
import { FileEventTypeId, FileSyscallId, OPEN } from '../src/families/file/layout.ts';
import { openDatabase } from '../src/store/database.ts';
import { EventWriter } from '../src/store/event-writer.ts';

const rows = Number(process.argv[2] ?? 400_000);
const perBatch = Number(process.argv[3] ?? 512);
const dir = mkdtempSync(join(process.argv[4] ?? tmpdir(), 'bpfwarden-ingest-'));

const H = HEADER.fields;
const O = OPEN.fields;
const enc = new TextEncoder();

/** Open records as the kernel sends them (up to the path's NUL): two threads, two files. */
function openRecords(): Uint8Array[] {
  return [0, 1].map((t) => {
    const path = enc.encode(`/tmp/bw-bench-open-agent-x1y2z3/open-target-${t}\0`);
    const b = new Uint8Array(O.path.offset + path.length);
    const v = new DataView(b.buffer);
    v.setUint32(H.type.offset, FileEventTypeId.open, true);
    v.setUint32(H.pid.offset, 4242, true);
    v.setUint32(H.tid.offset, 4242 + t, true);
    v.setUint32(H.ppid.offset, 4000, true);
    v.setBigUint64(H.cgroup_id.offset, 7777n, true);
    b.set(enc.encode('open_storm'), H.comm.offset);
    v.setBigInt64(O.result.offset, 3n, true);
    v.setUint32(O.syscall.offset, FileSyscallId.openat, true);
    v.setInt32(O.dirfd.offset, -100, true);
    v.setUint32(O.flags.offset, 0x80000, true);
    v.setUint32(O.path_len.offset, path.length, true);
    b.set(path, O.path.offset);
    return b;
  });
}

/** Batches framed like the bridge's: each a fresh buffer, as the worker receives them. */
function makeBatches(n: number, per: number): { bytes: Uint8Array; count: number }[] {
  const recs = openRecords();
  const out: { bytes: Uint8Array; count: number }[] = [];
  for (let start = 0; start < n; start += per) {
    const count = Math.min(per, n - start);
    let len = 0;
    for (let k = 0; k < count; k++) len += 8 + ((recs[k % 2]!.length + 7) & ~7);
    const bytes = new Uint8Array(len);
    const v = new DataView(bytes.buffer);
    let off = 0;
    for (let k = 0; k < count; k++) {
      const r = recs[k % 2]!;
      v.setUint32(off, r.length, true);
      bytes.set(r, off + 8);
      // Kernel time in ns: one event every microsecond.
      v.setBigUint64(off + 8 + H.ktime_ns.offset, BigInt(start + k) * 1000n, true);
      off += 8 + ((r.length + 7) & ~7);
    }
    out.push({ bytes, count });
  }
  return out;
}

function run(): void {
  const db = openDatabase(join(dir, 'ingest.db'));
  // Boot time 0 here; the wall offset makes times "now", as in the agent.
  const clock = new BootClock(BigInt(Date.now()) * 1_000_000n);
  const writer = new EventWriter(db, { maxQueue: rows + 1 });
  const ingest = new BatchIngest(
    (events, priority) => writer.enqueue(events, priority),
    [['file', { family: 'file' }]],
    clock,
  );
  const batches = makeBatches(rows, perBatch);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let decodeMs = 0;
  let writeMs = 0;
  let written = 0;
  // As the worker does: decode each batch as it arrives, flush every ~20k rows.
  for (const b of batches) {
    const d0 = performance.now();
    ingest.batch('file', b.bytes, b.count, false);
    decodeMs += performance.now() - d0;
    if (writer.queued >= 20_000) {
      const w0 = performance.now();
      written += writer.flush(20_000);
      writeMs += performance.now() - w0;
    }
  }
  const w0 = performance.now();
  while (writer.queued > 0) {
    const n = writer.flush(20_000);
    if (n === 0) throw new Error(`flush failed: ${writer.stats.lastError}`);
    written += n;
  }
  writeMs += performance.now() - w0;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  // CPU time, not wall time: on a shared host it is what this process itself spent.
  const cpuUsPerRow = (cpu.user + cpu.system) / rows;
  db.close();
  if (written !== rows) throw new Error(`wrote ${written} of ${rows} rows`);
  const rate = Math.round((rows / ms) * 1000);
  console.log(
    `${rows} file opens in batches of ${perBatch}: ${rate.toLocaleString('en-US')} rows/s, ` +
      `${((ms * 1000) / rows).toFixed(2)} µs/row (decode ${((decodeMs * 1000) / rows).toFixed(2)}, ` +
      `write ${((writeMs * 1000) / rows).toFixed(2)}); CPU ${cpuUsPerRow.toFixed(2)} µs/row = ` +
      `${Math.round(1e6 / cpuUsPerRow).toLocaleString('en-US')} rows per CPU-second; ` +
      `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
  );
}

try {
  run();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
