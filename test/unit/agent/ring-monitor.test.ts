import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BootClock } from '../../../src/domain/clock.ts';
import { HEADER } from '../../../src/domain/layout/header.ts';
import { BpfError } from '../../../src/ebpf/errors.ts';
import { Kernel } from '../../../src/ebpf/kernel.ts';
import type { BpfEvent } from '../../../src/families/events.ts';
import { EventTypeId, EXEC, EXIT, FORK } from '../../../src/families/process/layout.ts';
import { processMonitor } from '../../../src/families/process/monitor.ts';
import type { RingMonitor } from '../../../src/families/ring-monitor.ts';
import { Errno, type FakeBridge, PROCESS_OBJECT, processBridge } from '../fake-bridge.ts';

const RING_BYTES = 1 << 16;
const utf8 = new TextEncoder();

// ---- records, laid out from the layout constants ------------------------------

interface Hdr {
  ktimeNs: bigint;
  pid: number;
  comm: string;
}

function record(size: number, type: number, h: Hdr): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const H = HEADER.fields;
  view.setBigUint64(H.ktime_ns.offset, h.ktimeNs, true);
  view.setUint32(H.type.offset, type, true);
  view.setUint32(H.pid.offset, h.pid, true);
  view.setUint32(H.tid.offset, h.pid, true);
  view.setUint32(H.ppid.offset, 1, true);
  view.setUint32(H.uid.offset, 1000, true);
  view.setUint32(H.gid.offset, 100, true);
  view.setBigUint64(H.cgroup_id.offset, 77n, true);
  bytes.set(utf8.encode(h.comm), H.comm.offset);
  return { bytes, view };
}

function execRecord(h: Hdr, filename: string, argv: string[]): Uint8Array {
  const { bytes, view } = record(EXEC.size, EventTypeId.exec, h);
  const E = EXEC.fields;
  const args = utf8.encode(argv.map((a) => `${a}\0`).join(''));
  view.setUint32(E.argc.offset, argv.length, true);
  view.setUint32(E.args_len.offset, args.length, true);
  view.setUint32(E.old_pid.offset, h.pid, true);
  bytes.set(utf8.encode(filename), E.filename.offset);
  bytes.set(args, E.args.offset);
  return bytes;
}

function forkRecord(h: Hdr, childPid: number): Uint8Array {
  const { bytes, view } = record(FORK.size, EventTypeId.fork, h);
  view.setUint32(FORK.fields.child_pid.offset, childPid, true);
  view.setUint32(FORK.fields.child_tid.offset, childPid, true);
  return bytes;
}

function exitRecord(h: Hdr, exitCode: number, lifetimeNs: bigint): Uint8Array {
  const { bytes, view } = record(EXIT.size, EventTypeId.exit, h);
  view.setUint32(EXIT.fields.exit_status.offset, exitCode << 8, true);
  view.setBigUint64(EXIT.fields.lifetime_ns.offset, lifetimeNs, true);
  return bytes;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

// ---- harness -------------------------------------------------------------------

interface Harness {
  bridge: FakeBridge;
  clock: BootClock;
  monitor: RingMonitor;
  received: BpfEvent[][];
  decodeErrors: [string, string][];
  sink: (events: BpfEvent[]) => void;
}

function harness(attach?: Record<string, string>, setup?: (b: FakeBridge) => void): Harness {
  const bridge = processBridge({ cpus: 4 });
  setup?.(bridge);
  const clock = new BootClock(bridge.bootOffsetNs());
  const received: BpfEvent[][] = [];
  const decodeErrors: [string, string][] = [];
  const monitor = processMonitor(
    { clock, ringBufferBytes: RING_BYTES, attach },
    {
      bridge,
      kernel: new Kernel(bridge),
      objectPath: PROCESS_OBJECT,
      onDecodeError: (m, msg) => decodeErrors.push([m, msg]),
    },
  );
  return { bridge, clock, monitor, received, decodeErrors, sink: (e) => received.push(e) };
}

const curl: Hdr = { ktimeNs: 2_000_000_123n, pid: 300, comm: 'curl' };

describe('process monitor over the fake bridge', () => {
  it('start loads the object, sizes the ring, attaches all three programs', () => {
    const h = harness();
    h.monitor.start(h.sink);
    const { bridge } = h;
    assert.ok(bridge.calls.includes('mapSetMaxEntries'));
    assert.ok(
      bridge.calls.indexOf('mapSetMaxEntries') < bridge.calls.indexOf('objLoad'),
      'sized before load',
    );
    assert.equal(bridge.map('process_events').maxEntries, RING_BYTES);
    assert.equal(bridge.object(PROCESS_OBJECT).loaded, true);
    assert.deepEqual(
      bridge.links.map((l) => [l.program, l.kind, l.target, l.destroyed]),
      [
        ['handle_exec', 'auto', 'raw_tp/sched_process_exec', false],
        ['handle_fork', 'auto', 'raw_tp/sched_process_fork', false],
        ['handle_exit', 'auto', 'raw_tp/sched_process_exit', false],
      ],
    );
    assert.equal(bridge.rings('process_events').length, 1);
    const s = h.monitor.status();
    assert.equal(s.name, 'process');
    assert.equal(s.state, 'running');
    assert.equal(s.error, undefined);
    assert.deepEqual(s.attached, [
      'raw_tp/sched_process_exec',
      'raw_tp/sched_process_fork',
      'raw_tp/sched_process_exit',
    ]);
    assert.ok(s.ring, 'ring stats while running');
    assert.equal(h.monitor.stop(), undefined);
  });

  it('configures exit_has_group_dead only when sched_process_exit has two arguments', () => {
    const old = harness();
    old.monitor.start(old.sink);
    assert.equal(old.bridge.map('process.rodata').entries.values().next().value?.value[0], 0);
    old.monitor.stop();
    const recent = harness(undefined, (b) => b.tracepointArgs.set('sched_process_exit', 2));
    recent.monitor.start(recent.sink);
    assert.equal(recent.bridge.map('process.rodata').entries.values().next().value?.value[0], 1);
    recent.monitor.stop();
  });

  it('decoded events reach the sink, one batch per wake-up', () => {
    const h = harness();
    h.monitor.start(h.sink);
    h.bridge.pushRecord('process_events', execRecord(curl, '/usr/bin/curl', ['curl', '-s', 'x']));
    h.bridge.pushRecord('process_events', forkRecord({ ...curl, ktimeNs: 2_000_001_000n }, 301));
    h.bridge.pushRecord('process_events', exitRecord({ ...curl, ktimeNs: 3_000_000_000n }, 3, 999n));
    assert.equal(h.received.length, 0, 'nothing before the wake-up');
    assert.equal(h.bridge.wake('process_events'), 3);
    assert.equal(h.received.length, 1);
    const [exec, fork, exit] = h.received[0] ?? [];
    assert.deepEqual(exec, {
      timeUs: h.clock.toWallUs(2_000_000_123),
      ktimeNs: 2_000_000_123,
      type: 'exec',
      pid: 300,
      tid: 300,
      ppid: 1,
      uid: 1000,
      gid: 100,
      cgroupId: 77,
      comm: 'curl',
      filename: '/usr/bin/curl',
      argv: ['curl', '-s', 'x'],
      argc: 3,
      argsTruncated: false,
      filenameTruncated: false,
      oldPid: 300,
    });
    assert.equal(fork?.type === 'fork' && fork.childPid, 301);
    assert.equal(exit?.type === 'exit' && exit.exitCode, 3);
    assert.equal(exit?.type === 'exit' && exit.lifetimeNs, 999);
    assert.equal(h.monitor.status().events, 3);
    assert.equal(h.bridge.wake('process_events'), 0);
    assert.equal(h.received.length, 1, 'an empty wake-up calls no sink');
    h.monitor.stop();
  });

  it('kernelDrops sums the per-CPU drops map over the event types', () => {
    const h = harness();
    h.monitor.start(h.sink);
    assert.equal(h.monitor.kernelDrops(), 0);
    h.bridge.setPerCpu('process_drops', u32(EventTypeId.exec), [u64(1), u64(2), u64(0), u64(4)]);
    h.bridge.setPerCpu('process_drops', u32(EventTypeId.fork), [u64(10), u64(0), u64(0), u64(0)]);
    h.bridge.setPerCpu('process_drops', u32(EventTypeId.exit), [u64(0), u64(0), u64(100), u64(2 ** 33)]);
    // An index that is not an event type is not counted.
    h.bridge.setPerCpu('process_drops', u32(9), [u64(1000), u64(1000), u64(1000), u64(1000)]);
    const expected = 1 + 2 + 4 + 10 + 100 + 2 ** 33;
    assert.equal(h.monitor.kernelDrops(), expected);
    assert.equal(h.monitor.status().kernelDrops, expected);
    h.monitor.stop();
    assert.equal(h.monitor.kernelDrops(), expected, 'the last count survives stop');
    assert.equal(h.monitor.status().kernelDrops, expected);
  });

  it('a record that does not decode is counted and reported; its neighbours still arrive', () => {
    const h = harness();
    h.monitor.start(h.sink);
    h.bridge.pushRecord('process_events', forkRecord(curl, 1));
    h.bridge.pushRecord('process_events', new Uint8Array(10));
    h.bridge.pushRecord('process_events', record(HEADER.size, 42, curl).bytes);
    h.bridge.pushRecord('process_events', forkRecord(curl, 2));
    h.bridge.wake('process_events');
    assert.deepEqual(
      h.received.flat().map((e) => e.type === 'fork' && e.childPid),
      [1, 2],
    );
    assert.deepEqual(h.decodeErrors, [
      ['process', `record of 10 bytes is shorter than the header`],
      ['process', 'unknown process event type 42'],
    ]);
    const s = h.monitor.status();
    assert.equal(s.decodeErrors, 2);
    assert.equal(s.events, 2);
    assert.equal(h.bridge.uncaught.length, 0);
    h.monitor.stop();
  });

  it('one program failing to attach leaves the monitor failed and releases what was made', () => {
    const h = harness(undefined, (b) => b.failAttach('handle_fork', Errno.EPERM, 'Operation not permitted'));
    assert.throws(
      () => h.monitor.start(h.sink),
      (err: unknown) => err instanceof BpfError && err.code === 'EPERM' && /handle_fork/.test(err.message),
    );
    const s = h.monitor.status();
    assert.equal(s.state, 'failed');
    assert.match(s.error ?? '', /attach handle_fork to raw_tp\/sched_process_fork: Operation not permitted/);
    assert.deepEqual(s.attached, []);
    // handle_exec was attached before handle_fork failed: it is detached again.
    assert.deepEqual(
      h.bridge.links.map((l) => [l.program, l.destroyed]),
      [['handle_exec', true]],
    );
    assert.ok(h.bridge.rings('process_events').every((r) => r.closed));
    assert.equal(h.bridge.object(PROCESS_OBJECT).closed, true);
    // Nothing reaches the sink after the failure.
    h.bridge.pushRecord('process_events', forkRecord(curl, 1));
    assert.equal(h.bridge.wake('process_events'), 0);
    assert.equal(h.received.length, 0);
    h.monitor.stop();
    assert.equal(h.monitor.status().state, 'failed', 'stop keeps the failure visible');
  });

  it('a load failure leaves the monitor failed with the object closed', () => {
    const h = harness(undefined, (b) =>
      b.failLoad({ errno: Errno.EACCES, verifierLog: 'R1 invalid mem access' }),
    );
    assert.throws(() => h.monitor.start(h.sink), { name: 'BpfError', code: 'BPF_VERIFIER' });
    assert.equal(h.monitor.status().state, 'failed');
    assert.match(h.monitor.status().error ?? '', /R1 invalid mem access/);
    assert.equal(h.bridge.object(PROCESS_OBJECT).closed, true);
    assert.equal(h.bridge.links.length, 0);
  });

  it('attach overrides route programs to a tracepoint or raw tracepoint', () => {
    const h = harness({
      handle_exec: 'tracepoint:sched/sched_process_exec',
      handle_exit: 'raw_tracepoint:sched_process_free',
    });
    h.monitor.start(h.sink);
    assert.deepEqual(
      h.bridge.links.map((l) => [l.program, l.kind, l.target]),
      [
        ['handle_exec', 'tracepoint', 'sched/sched_process_exec'],
        ['handle_fork', 'auto', 'raw_tp/sched_process_fork'],
        ['handle_exit', 'raw_tracepoint', 'sched_process_free'],
      ],
    );
    const attachCalls = h.bridge.calls.filter((c) => c.startsWith('attach'));
    assert.deepEqual(attachCalls, ['attachTracepoint', 'attachAuto', 'attachRawTracepoint']);
    assert.deepEqual(h.monitor.status().attached, [
      'sched/sched_process_exec',
      'raw_tp/sched_process_fork',
      'sched_process_free',
    ]);
    h.monitor.stop();
  });

  it('an override naming an unknown program fails with ENOENT before anything attaches', () => {
    const h = harness({ handle_fork: 'raw_tracepoint:sched_process_fork', handle_nope: 'raw_tracepoint:x' });
    assert.throws(
      () => h.monitor.start(h.sink),
      (err: unknown) =>
        err instanceof BpfError && err.code === 'ENOENT' && err.message.includes("'handle_nope'"),
    );
    assert.equal(h.bridge.links.length, 0, 'no program attached, not even the valid override');
    assert.equal(h.bridge.calls.filter((c) => c.startsWith('attach')).length, 0);
    const s = h.monitor.status();
    assert.equal(s.state, 'failed');
    assert.match(s.error ?? '', /no loaded program 'handle_nope'/);
    assert.equal(h.bridge.object(PROCESS_OBJECT).closed, true);
  });

  it('stop() detaches, then delivers what is still in the ring, then closes everything', () => {
    const h = harness();
    h.monitor.start(h.sink);
    for (let i = 0; i < 5; i++) h.bridge.pushRecord('process_events', forkRecord(curl, 1000 + i));
    assert.equal(h.received.length, 0);
    h.monitor.stop();
    assert.deepEqual(
      h.received.flat().map((e) => e.type === 'fork' && e.childPid),
      [1000, 1001, 1002, 1003, 1004],
    );
    assert.ok(h.bridge.links.every((l) => l.destroyed));
    const destroyAt = h.bridge.calls.indexOf('linkDestroy');
    const consumeAt = h.bridge.calls.indexOf('ringbufConsume');
    assert.ok(destroyAt >= 0 && consumeAt > destroyAt, 'detached before the final drain');
    assert.ok(h.bridge.rings('process_events').every((r) => r.closed));
    assert.equal(h.bridge.object(PROCESS_OBJECT).closed, true);
    const s = h.monitor.status();
    assert.equal(s.state, 'stopped');
    assert.equal(s.events, 5);
    assert.deepEqual(s.attached, []);
    assert.equal(s.ring, undefined);
    assert.equal(h.monitor.object, undefined);
    h.monitor.stop(); // idempotent
    assert.equal(h.monitor.status().state, 'stopped');
  });

  it('stop() still drains and releases everything when a link cannot be destroyed', () => {
    const h = harness();
    h.monitor.start(h.sink);
    h.bridge.pushRecord('process_events', forkRecord(curl, 7));
    h.bridge.failNext('linkDestroy', Errno.EBADF, 'link is gone');
    // The failure is still reported to the caller...
    assert.throws(() => h.monitor.stop(), /detach handle_exec from raw_tp\/sched_process_exec: link is gone/);
    // ...but the other links are detached, the ring drained and closed, the object closed.
    assert.deepEqual(
      h.bridge.links.map((l) => [l.program, l.destroyed]),
      [
        ['handle_exec', false],
        ['handle_fork', true],
        ['handle_exit', true],
      ],
    );
    assert.deepEqual(
      h.received.flat().map((e) => e.type === 'fork' && e.childPid),
      [7],
    );
    assert.ok(h.bridge.rings('process_events').every((r) => r.closed));
    assert.equal(h.bridge.object(PROCESS_OBJECT).closed, true);
    assert.equal(h.monitor.status().state, 'stopped');
    h.monitor.stop();
  });

  it('can start again after stop', () => {
    const h = harness();
    h.monitor.start(h.sink);
    h.monitor.stop();
    h.monitor.start(h.sink);
    assert.equal(h.monitor.status().state, 'running');
    h.bridge.pushRecord('process_events', forkRecord(curl, 9));
    h.bridge.wake('process_events');
    assert.equal(h.received.flat().length, 1);
    assert.equal(h.bridge.links.filter((l) => !l.destroyed).length, 3);
    h.monitor.stop();
  });
});
