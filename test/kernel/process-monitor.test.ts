/** The process monitor in the running kernel: real processes, their events. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BootClock } from '../../src/domain/clock.ts';
import { Kernel, nativeBridge } from '../../src/ebpf/index.ts';
import type { BpfEvent } from '../../src/families/events.ts';
import type { ExecEvent, ExitEvent, ForkEvent } from '../../src/families/process/events.ts';
import { ARGS_MAX } from '../../src/families/process/layout.ts';
import { processMonitor } from '../../src/families/process/monitor.ts';
import type { RingMonitor } from '../../src/families/ring-monitor.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, exited, run, start } from '../support/spawn.ts';

describe('process monitor', { skip: kernelSkip }, () => {
  const events: BpfEvent[] = [];
  let monitor: RingMonitor;

  before(() => {
    const bridge = nativeBridge();
    const kernel = new Kernel(bridge);
    monitor = processMonitor(
      { clock: new BootClock(kernel.bootOffsetNs()), ringBufferBytes: 1 << 22 },
      { bridge, kernel },
    );
    monitor.start((batch) => events.push(...batch));
  });

  after(() => monitor?.stop());

  const find = <T extends BpfEvent>(type: T['type'], pred: (e: T) => boolean): T | undefined =>
    events.find((e): e is T => e.type === type && pred(e as T));

  test('exec of /bin/true carries filename, argv, ppid, uid, gid and a wall-clock time', async () => {
    const before = Date.now() * 1000;
    const r = await run('/bin/true', ['first', 'sec ond']);
    const e = await eventually('exec event', () => find<ExecEvent>('exec', (x) => x.pid === r.pid));
    assert.equal(e.filename, '/bin/true');
    assert.deepEqual(e.argv, ['/bin/true', 'first', 'sec ond']);
    assert.equal(e.argc, 3);
    assert.equal(e.argsTruncated, false);
    assert.equal(e.ppid, process.pid);
    assert.equal(e.uid, process.getuid?.());
    assert.equal(e.gid, process.getgid?.());
    assert.equal(e.comm, 'true');
    assert.ok(e.cgroupId > 0, 'cgroup id is set');
    assert.ok(
      e.timeUs >= before - 5_000_000 && e.timeUs <= Date.now() * 1000 + 5_000_000,
      'time is near now',
    );
  });

  test('long argv is truncated at the kernel bound and flagged, with the true argc', async () => {
    const args = Array.from({ length: 200 }, (_, i) => `argument-${i}`);
    const r = await run('/bin/echo', args);
    const e = await eventually('exec event', () => find<ExecEvent>('exec', (x) => x.pid === r.pid));
    assert.equal(e.argsTruncated, true);
    assert.equal(e.argc, 201);
    assert.ok(e.argv.length < 201, `captured ${e.argv.length} of 201 arguments`);
    const bytes = e.argv.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
    assert.ok(bytes <= ARGS_MAX + 1, `captured ${bytes} bytes, bound ${ARGS_MAX}`);
    assert.equal(e.argv[0], '/bin/echo');
    // Every fully captured argument is exact; the last may be cut.
    for (let i = 1; i < e.argv.length - 1; i++) assert.equal(e.argv[i], args[i - 1]);
  });

  test('exit carries the exit code and lifetime', async () => {
    const r = await run('/bin/sh', ['-c', 'sleep 0.2; exit 7']);
    assert.equal(r.code, 7);
    const e = await eventually('exit event', () => find<ExitEvent>('exit', (x) => x.pid === r.pid));
    assert.equal(e.exitCode, 7);
    assert.equal(e.signal, null);
    assert.ok(e.lifetimeNs >= 200_000_000, `lifetime ${e.lifetimeNs} ns >= 200 ms`);
    assert.ok(e.lifetimeNs < 10_000_000_000, `lifetime ${e.lifetimeNs} ns is plausible`);
  });

  test('exit by a signal carries the signal, not a code', async () => {
    const child = start('/bin/sleep', ['30']);
    const done = exited(child);
    await eventually('exec event', () => find<ExecEvent>('exec', (x) => x.pid === child.pid));
    child.kill('SIGKILL');
    const r = await done;
    assert.equal(r.signal, 'SIGKILL');
    const e = await eventually('exit event', () => find<ExitEvent>('exit', (x) => x.pid === r.pid));
    assert.equal(e.signal, 9);
    assert.equal(e.exitCode, null);
    assert.equal(e.coreDumped, false);
  });

  test('fork reports parent and child; the child then execs', async () => {
    const r = await run('/bin/sh', ['-c', '/bin/true fork-test; exit 0']);
    const exec = await eventually('grandchild exec', () =>
      find<ExecEvent>('exec', (x) => x.ppid === r.pid && x.argv[1] === 'fork-test'),
    );
    const fork = await eventually('fork event', () =>
      find<ForkEvent>('fork', (x) => x.pid === r.pid && x.childPid === exec.pid),
    );
    assert.equal(fork.comm, 'sh');
    assert.ok(fork.timeUs <= exec.timeUs, 'fork precedes exec');
  });

  test('threads are not reported as processes', async () => {
    // A multi-threaded process: its thread creation must not yield fork events, and only one exit.
    const script =
      'const {Worker}=require("node:worker_threads");new Worker("setTimeout(()=>{},50)",{eval:true}).on("exit",()=>process.exit(0))';
    const r = await run(process.execPath, ['-e', script]);
    await eventually('exit event', () => find<ExitEvent>('exit', (x) => x.pid === r.pid));
    assert.equal(events.filter((e) => e.type === 'fork' && (e as ForkEvent).childPid === r.pid).length, 1);
    assert.equal(
      events.filter((e) => e.type === 'fork' && e.pid === r.pid).length,
      0,
      'no fork events for threads',
    );
    assert.equal(
      events.filter((e) => e.type === 'exit' && e.pid === r.pid).length,
      1,
      'one exit per process',
    );
  });

  test('status counts events and shows no kernel drops', () => {
    const s = monitor.status();
    assert.equal(s.state, 'running');
    assert.ok(s.events >= events.length);
    assert.equal(s.kernelDrops, 0);
    assert.equal(s.decodeErrors, 0);
    assert.equal(s.attached.length, 3);
    // Runs skipped by the kernel's recursion protection are read from program info, not guessed.
    assert.ok(Number.isInteger(s.counters?.missedRuns) && (s.counters?.missedRuns ?? -1) >= 0);
    assert.ok((s.ring?.records ?? 0) >= events.length);
  });
});
