/**
 * Wake-up batching in the running kernel (file monitor, filtered to this
 * test's own directory): below the threshold a record wakes nobody and still
 * arrives within pollIntervalMs; a burst past the threshold wakes the
 * consumer at once; without a threshold every record may wake it, as before.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BootClock } from '../../src/domain/clock.ts';
import { Kernel, nativeBridge, type RingStats } from '../../src/ebpf/index.ts';
import type { BpfEvent } from '../../src/families/events.ts';
import type { OpenEvent } from '../../src/families/file/events.ts';
import { fileMonitor } from '../../src/families/file/monitor.ts';
import type { RingMonitor } from '../../src/families/ring-monitor.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, run } from '../support/spawn.ts';

interface Watch {
  readonly monitor: RingMonitor;
  /** Opens of files in the test's directory, with the time each batch reached the handler. */
  readonly seen: { e: OpenEvent; atMs: number }[];
}

describe('ring buffer wake-up threshold', { skip: kernelSkip }, () => {
  let dir: string;
  let file: string;
  const monitors: RingMonitor[] = [];

  const watch = (wakeupBytes: number, pollIntervalMs: number): Watch => {
    const bridge = nativeBridge();
    const kernel = new Kernel(bridge);
    const monitor = fileMonitor(
      {
        clock: new BootClock(kernel.bootOffsetNs()),
        ringBufferBytes: 1 << 22,
        wakeupBytes,
        pollIntervalMs,
        // Only this test's files reach the ring: the rest of the host cannot wake it.
        pathPrefixes: [`${dir}/`],
      },
      { bridge, kernel },
    );
    const seen: Watch['seen'] = [];
    monitor.start((batch: BpfEvent[]) => {
      const atMs = performance.now();
      for (const e of batch) if (e.type === 'open') seen.push({ e, atMs });
    });
    monitors.push(monitor);
    return { monitor, seen };
  };

  const ring = (m: RingMonitor): RingStats => {
    const r = m.status().ring;
    assert.ok(r, 'a running monitor reports its ring');
    return r;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfwarden-wakeup-'));
    file = join(dir, 'target.txt');
    writeFileSync(file, 'x');
  });

  after(() => {
    for (const m of monitors) m.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('one record under the threshold wakes nobody and arrives within pollIntervalMs', async () => {
    const w = watch(1 << 20, 200);
    const r = await run('/bin/cat', [file]);
    const exitedAt = performance.now();
    const got = await eventually('the open, by the periodic drain', () =>
      w.seen.find((s) => s.e.pid === r.pid && s.e.path === file),
    );
    // The record was in the ring before cat exited; the drain runs every 200 ms.
    assert.ok(got.atMs - exitedAt <= 200 + 100, `delivered ${Math.round(got.atMs - exitedAt)} ms after exit`);
    const st = ring(w.monitor);
    assert.equal(st.wakeups, 0, 'the kernel did not wake the consumer');
    assert.ok(st.timerDrains >= 1, `timer drains ${st.timerDrains}`);
    w.monitor.stop();
  });

  test('a burst past the threshold wakes the consumer without waiting for the timer', async () => {
    // 4 KiB threshold, a 10 s drain: only a forced wake-up can deliver within the test.
    const w = watch(4096, 10_000);
    const n = 300;
    const r = await run(process.execPath, [
      '-e',
      `const fs=require('node:fs');for(let i=0;i<${n};i++)fs.closeSync(fs.openSync(${JSON.stringify(file)},'r'))`,
    ]);
    // Records are over 100 bytes: at most the last 4 KiB (under 40 records)
    // are left below the threshold, for the timer.
    const most = n - 40;
    await eventually(
      `${most} of ${n} opens`,
      () => (w.seen.filter((s) => s.e.pid === r.pid).length >= most ? true : undefined),
      5000,
    );
    const st = ring(w.monitor);
    assert.ok(st.wakeups >= 1, `wake-ups ${st.wakeups}`);
    assert.equal(st.timerDrains, 0, 'nothing came from the timer');
    assert.ok(st.records / st.wakeups > 5, `${st.records} records in ${st.wakeups} wake-ups: batched`);
    // The tail under the threshold is there too: stop() drains it.
    w.monitor.stop();
    assert.equal(
      w.seen.filter((s) => s.e.pid === r.pid).length,
      n,
      'every open, the tail by the final drain',
    );
  });

  test('without a threshold a single record wakes the consumer, as before', async () => {
    const w = watch(0, 10_000);
    const r = await run('/bin/cat', [file]);
    await eventually('the open', () => w.seen.find((s) => s.e.pid === r.pid && s.e.path === file));
    const st = ring(w.monitor);
    assert.ok(st.wakeups >= 1, `wake-ups ${st.wakeups}`);
    assert.equal(st.timerDrains, 0, 'no periodic drain without a threshold');
    w.monitor.stop();
  });
});
