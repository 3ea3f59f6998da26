import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { u32, u64n } from '../../../src/ebpf/codec.ts';
import { BpfError, errnoName, extractVerifierLog, trimVerifierLog } from '../../../src/ebpf/errors.ts';
import { Kernel } from '../../../src/ebpf/kernel.ts';
import { BpfObjectSpec } from '../../../src/ebpf/object.ts';
import { MapType, ProgType } from '../../../src/ebpf/types.ts';
import { Errno, FakeBridge, PROCESS_OBJECT, processBridge, processObjectSpec } from '../fake-bridge.ts';

function catchBpf(fn: () => unknown): BpfError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BpfError, `expected a BpfError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a BpfError, nothing was thrown');
}

function open(bridge: FakeBridge, path = PROCESS_OBJECT): BpfObjectSpec {
  return BpfObjectSpec.open(path, { bridge });
}

const PERM_HINT = 'needs root, or CAP_BPF + CAP_PERFMON (+ CAP_NET_ADMIN for network programs)';

describe('BpfObjectSpec: open and configure', () => {
  it('lists programs and maps before load, with no fds yet', () => {
    const bridge = processBridge();
    const spec = open(bridge);
    assert.equal(spec.source, PROCESS_OBJECT);
    assert.deepEqual(
      spec.programs.map((p) => [p.name, p.section, p.fd]),
      [
        ['handle_exec', 'raw_tp/sched_process_exec', -1],
        ['handle_fork', 'raw_tp/sched_process_fork', -1],
        ['handle_exit', 'raw_tp/sched_process_exit', -1],
      ],
    );
    const maps = spec.maps;
    assert.deepEqual(
      maps.map((m) => [m.name, m.internal, m.fd]),
      [
        ['process_events', false, -1],
        ['process_drops', false, -1],
        ['process.rodata', true, -1],
      ],
    );
  });

  it('labels a buffer source by its length', () => {
    const bridge = new FakeBridge().addObject('<buffer:3>', processObjectSpec());
    const spec = BpfObjectSpec.open(Uint8Array.of(1, 2, 3), { bridge, name: 'averyverylongname' });
    assert.equal(spec.source, '<3-byte buffer>');
    // libbpf cuts the object-name prefix so internal names fit 15 characters.
    assert.ok(spec.maps.some((m) => m.name === 'averyver.rodata'));
  });

  it('fails to open a missing object with ENOENT and the bridge detail', () => {
    const bridge = processBridge();
    const err = catchBpf(() => open(bridge, '/nope/missing.bpf.o'));
    assert.equal(err.code, 'ENOENT');
    assert.equal(err.errno, 2);
    assert.match(
      err.message,
      /^open BPF object \/nope\/missing\.bpf\.o: cannot open BPF object: No such file/,
    );
    assert.match(err.libbpfLog ?? '', /failed to open \/nope\/missing\.bpf\.o/);
    assert.equal(err.verifierLog, undefined);
  });

  it('setMaxEntries and setAutoload take effect at load', () => {
    const bridge = processBridge();
    const obj = open(bridge)
      .setMaxEntries('process_events', 1 << 16)
      .setAutoload('handle_fork', false)
      .load();
    assert.equal(obj.map('process_events').maxEntries, 1 << 16);
    assert.deepEqual(
      obj.programs.map((p) => p.name),
      ['handle_exec', 'handle_exit'],
    );
    const err = catchBpf(() => obj.program('handle_fork'));
    assert.equal(err.code, 'ENOENT');
    assert.match(err.message, /no loaded program 'handle_fork'/);
  });

  it('rejects configuration of unknown maps and programs with ENOENT', () => {
    const spec = open(processBridge());
    const m = catchBpf(() => spec.setMaxEntries('nope', 4));
    assert.equal(m.code, 'ENOENT');
    assert.match(m.message, /^set max entries of nope: no map named 'nope'/);
    const p = catchBpf(() => spec.setAutoload('nope', true));
    assert.equal(p.code, 'ENOENT');
    assert.match(p.message, /^set autoload of nope: no program named 'nope'/);
  });

  it('reads BTF structs, and fails with ENOENT for an unknown one', () => {
    const spec = open(processBridge());
    const s = spec.btfStruct('bw_fork_event');
    assert.equal(s.size, 64);
    assert.deepEqual(
      s.members.map((m) => [m.name, m.offset, m.size]),
      [
        ['hdr', 0, 56],
        ['child_pid', 56, 4],
        ['child_tid', 60, 4],
      ],
    );
    assert.equal(catchBpf(() => spec.btfStruct('nope')).code, 'ENOENT');
  });
});

describe('BpfObjectSpec.setGlobal', () => {
  function rodata(bridge: FakeBridge): Uint8Array {
    return bridge.map('process.rodata').initial!;
  }

  it('writes 1-byte values (booleans and numbers) at the variable offset only', () => {
    const bridge = processBridge();
    const spec = open(bridge);
    const before = Uint8Array.from(rodata(bridge));
    spec.setGlobal('exit_has_group_dead', true);
    const after = rodata(bridge);
    assert.equal(after[0], 1);
    assert.deepEqual(after.subarray(1), before.subarray(1), 'bytes outside the variable are preserved');
    spec.setGlobal('exit_has_group_dead', false);
    assert.equal(rodata(bridge)[0], 0);
    spec.setGlobal('exit_has_group_dead', 0x7f);
    assert.equal(rodata(bridge)[0], 0x7f);
    assert.equal(rodata(bridge)[1], 0xaa, 'the padding byte after the bool is untouched');
  });

  it('writes 2-, 4- and 8-byte values little-endian at their offsets', () => {
    const bridge = processBridge();
    open(bridge)
      .setGlobal('filter_uid', 0xbeef)
      .setGlobal('target_pid', 0xdeadbeef)
      .setGlobal('min_lifetime_ns', 0x0102030405060708n);
    assert.deepEqual(
      [...rodata(bridge).subarray(0, 16)],
      [0, 0xaa, 0xef, 0xbe, 0xef, 0xbe, 0xad, 0xde, 8, 7, 6, 5, 4, 3, 2, 1],
    );
    // The untouched tail keeps its initial value.
    assert.deepEqual([...rodata(bridge).subarray(16)], [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('accepts a number above 2^32 for an 8-byte variable, and a bigint for a 4-byte one', () => {
    const bridge = processBridge();
    open(bridge)
      .setGlobal('min_lifetime_ns', 2 ** 40 + 5)
      .setGlobal('target_pid', 77n);
    const dv = new DataView(rodata(bridge).buffer);
    assert.equal(dv.getBigUint64(8, true), 2n ** 40n + 5n);
    assert.equal(dv.getUint32(4, true), 77);
  });

  it('copies a Uint8Array of the exact size, and rejects another size with EINVAL', () => {
    const bridge = processBridge();
    const spec = open(bridge);
    spec.setGlobal('tag', new TextEncoder().encode('bpfwrdn\0'));
    assert.equal(Buffer.from(rodata(bridge).subarray(16)).toString('latin1'), 'bpfwrdn\0');
    const err = catchBpf(() => spec.setGlobal('tag', Uint8Array.of(1, 2, 3)));
    assert.equal(err.code, 'EINVAL');
    assert.match(err.message, /global tag is 8 bytes, got 3/);
  });

  it('fails with ENOENT for an unknown global, naming it', () => {
    const bridge = processBridge();
    const spec = open(bridge);
    const before = Uint8Array.from(rodata(bridge));
    const err = catchBpf(() => spec.setGlobal('no_such_var', 1));
    assert.equal(err.code, 'ENOENT');
    assert.match(err.message, /no global variable 'no_such_var' in build\/bpf\/process\.bpf\.o/);
    assert.deepEqual(rodata(bridge), before);
  });

  it('finds variables in .bss as well as .rodata, writing the right section', () => {
    const bridge = new FakeBridge().addObject('x.bpf.o', {
      programs: [{ name: 'p' }],
      datasecs: [
        { section: '.rodata', size: 8, vars: [{ name: 'ro', offset: 4, size: 4 }] },
        { section: '.bss', size: 16, vars: [{ name: 'counter', offset: 8, size: 8 }] },
      ],
    });
    const obj = BpfObjectSpec.open('x.bpf.o', { bridge }).setGlobal('counter', 9n).setGlobal('ro', 3).load();
    assert.deepEqual([...bridge.map('x.rodata').initial!], [0, 0, 0, 0, 3, 0, 0, 0]);
    assert.deepEqual([...bridge.map('x.bss').initial!], [0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
    // After load the internal array map holds the configured values.
    const bss = obj.map('x.bss').lookup(new Uint8Array(4));
    assert.equal(new DataView(bss!.buffer).getBigUint64(8, true), 9n);
  });

  it('rejects a variable of an odd size unless given as bytes', () => {
    const bridge = new FakeBridge().addObject('y.o', {
      datasecs: [{ section: '.data', size: 4, vars: [{ name: 'rgb', offset: 0, size: 3 }] }],
    });
    const spec = BpfObjectSpec.open('y.o', { bridge });
    const err = catchBpf(() => spec.setGlobal('rgb', 1));
    assert.equal(err.code, 'EINVAL');
    assert.match(err.message, /global rgb is 3 bytes: pass a Uint8Array/);
    spec.setGlobal('rgb', Uint8Array.of(1, 2, 3));
    assert.deepEqual([...bridge.map('y.data').initial!], [1, 2, 3, 0]);
  });
});

describe('BpfObjectSpec.load', () => {
  it('gives a loaded object with fds, and consumes the spec', () => {
    const bridge = processBridge();
    const spec = open(bridge);
    const obj = spec.load();
    assert.equal(obj.closed, false);
    assert.deepEqual(
      obj.programs.map((p) => p.name),
      ['handle_exec', 'handle_fork', 'handle_exit'],
    );
    assert.equal(obj.program('handle_exec').type, ProgType.RAW_TRACEPOINT);
    assert.ok(obj.program('handle_exec').fd >= 0);
    assert.equal(obj.map('process_events').type, MapType.RINGBUF);
    assert.ok(obj.maps.every((m) => m.fd >= 0));
    const again = catchBpf(() => spec.load());
    assert.equal(again.code, 'EBADF');
    assert.match(again.message, /closed or already loaded/);
    assert.equal(catchBpf(() => spec.maps).code, 'EBADF');
    assert.equal(catchBpf(() => obj.map('nope')).code, 'ENOENT');
  });

  it('reports a verifier rejection as BPF_VERIFIER with the log and its tail in the message', () => {
    const bridge = processBridge();
    const lines = Array.from({ length: 60 }, (_, i) => `${i}: (b7) r${i % 10} = ${i} ; verifier line ${i}`);
    lines.push("R1 invalid mem access 'scalar'");
    const log = lines.join('\n');
    bridge.failLoad({ errno: Errno.EACCES, verifierLog: log, program: 'handle_exec' });
    const spec = open(bridge);
    const err = catchBpf(() => spec.load());
    assert.equal(err.code, 'BPF_VERIFIER');
    assert.equal(err.errno, 13);
    assert.equal(err.verifierLog, `${log}\n`);
    assert.match(err.libbpfLog ?? '', /prog 'handle_exec': BPF program load failed/);
    assert.match(
      err.message,
      /^load BPF object build\/bpf\/process\.bpf\.o: cannot load BPF object: Permission denied/,
    );
    assert.match(err.message, /\nverifier log \(tail\):\n\.\.\. 21 earlier lines omitted \.\.\.\n/);
    assert.ok(err.message.endsWith("R1 invalid mem access 'scalar'"), err.message.slice(-80));
    assert.ok(err.message.includes('verifier line 59'));
    assert.ok(err.message.includes('verifier line 21'));
    assert.ok(!err.message.includes('verifier line 20\n'), 'lines before the tail are left out');
    assert.ok(!err.message.includes(PERM_HINT), 'a verifier rejection is not a permission problem');
    // The log was taken by the failure; nothing is left for the next caller.
    assert.equal(bridge.takeLog(), '');
  });

  it('keeps a short verifier log whole in the message', () => {
    const bridge = processBridge();
    bridge.failLoad({
      errno: Errno.EINVAL,
      verifierLog: '0: R1=ctx()\ninvalid bpf_context access off=8 size=8',
    });
    const err = catchBpf(() => open(bridge).load());
    assert.equal(err.code, 'BPF_VERIFIER');
    assert.ok(
      err.message.endsWith('verifier log (tail):\n0: R1=ctx()\ninvalid bpf_context access off=8 size=8'),
    );
    assert.ok(!err.message.includes('omitted'));
  });

  it('leaves a failed spec open so it can be closed', () => {
    const bridge = processBridge();
    bridge.failLoad({ errno: Errno.EINVAL, verifierLog: 'bad' });
    const spec = open(bridge);
    assert.throws(() => spec.load(), BpfError);
    assert.equal(bridge.object(PROCESS_OBJECT).closed, false);
    spec.close();
    assert.equal(bridge.object(PROCESS_OBJECT).closed, true);
    spec.close();
    assert.equal(bridge.calls.filter((c) => c === 'objClose').length, 1, 'close is idempotent');
  });

  it('ignores libbpf log left over from before the load', () => {
    const bridge = processBridge();
    const spec = open(bridge);
    bridge.appendLog('-- BEGIN PROG LOAD LOG --\nstale\n-- END PROG LOAD LOG --\n');
    bridge.failLoad({ errno: Errno.EPERM });
    const err = catchBpf(() => spec.load());
    assert.equal(err.code, 'EPERM');
    assert.equal(err.verifierLog, undefined);
    assert.equal(err.libbpfLog, undefined);
  });

  const cases: [errno: number, code: string, hint: string | undefined][] = [
    [Errno.EPERM, 'EPERM', PERM_HINT],
    [Errno.EACCES, 'EACCES', PERM_HINT],
    [Errno.ENOENT, 'ENOENT', undefined],
    [Errno.EOPNOTSUPP, 'ENOTSUP', 'this kernel does not support it'],
    [Errno.E2BIG, 'E2BIG', undefined],
    [524, 'E524', undefined],
  ];
  for (const [errno, code, hint] of cases) {
    it(`maps errno ${errno} to code ${code}`, () => {
      const bridge = processBridge();
      bridge.failLoad({ errno, message: `cannot load BPF object: errno ${errno}` });
      const err = catchBpf(() => open(bridge).load());
      assert.equal(err.code, code);
      assert.equal(err.errno, errno);
      assert.equal(err.verifierLog, undefined);
      const expected = `load BPF object ${PROCESS_OBJECT}: cannot load BPF object: errno ${errno}`;
      assert.equal(err.message, hint ? `${expected} (${hint})` : expected);
    });
  }

  it('falls back to the code when the bridge gives no detail', () => {
    const bridge = processBridge();
    bridge.failNext('objLoad', Errno.EPERM, '');
    const err = catchBpf(() => open(bridge).load());
    assert.equal(err.message, `load BPF object ${PROCESS_OBJECT}: EPERM (${PERM_HINT})`);
  });
});

describe('errors helpers', () => {
  it('errnoName accepts either sign and names EOPNOTSUPP as ENOTSUP', () => {
    assert.equal(errnoName(-1), 'EPERM');
    assert.equal(errnoName(1), 'EPERM');
    assert.equal(errnoName(-95), 'ENOTSUP');
    assert.equal(errnoName(-22), 'EINVAL');
    assert.equal(errnoName(-4095), 'E4095');
  });

  it('extractVerifierLog takes the text between the markers, or to the end without END', () => {
    assert.equal(extractVerifierLog('no markers'), undefined);
    assert.equal(
      extractVerifierLog('x -- BEGIN PROG LOAD LOG --\na\nb\n-- END PROG LOAD LOG --\ny'),
      'a\nb\n',
    );
    assert.equal(extractVerifierLog('-- BEGIN PROG LOAD LOG --\ntail only'), 'tail only');
  });

  it('trimVerifierLog keeps the last lines and counts the rest', () => {
    const log = Array.from({ length: 10 }, (_, i) => `l${i}`).join('\n');
    assert.equal(trimVerifierLog(log, 10), log);
    assert.equal(trimVerifierLog(`${log}\n\n`, 3), '... 7 earlier lines omitted ...\nl7\nl8\nl9');
  });
});

describe('BpfObject: closed objects', () => {
  it('throws EBADF for maps and programs of a closed object, and closes once', () => {
    const bridge = processBridge();
    const obj = open(bridge).load();
    const drops = obj.map('process_drops');
    const typed = obj.typedMap('process_drops', u32, u64n);
    const prog = obj.program('handle_exec');
    obj.close();
    assert.equal(obj.closed, true);
    assert.equal(bridge.object(PROCESS_OBJECT).closed, true);
    for (const fn of [
      () => drops.lookup(new Uint8Array(4)),
      () => drops.update(new Uint8Array(4), new Uint8Array(drops.valueBytes)),
      () => drops.delete(new Uint8Array(4)),
      () => [...drops.keys()],
      () => typed.get(0),
      () => prog.fd,
      () => prog.attach(),
      () => prog.attachRawTracepoint('sched_process_exec'),
      () => prog.pin('/sys/fs/bpf/x'),
    ]) {
      const err = catchBpf(fn);
      assert.equal(err.code, 'EBADF');
    }
    assert.match(
      catchBpf(() => drops.lookup(new Uint8Array(4))).message,
      /map process_drops: its object is closed/,
    );
    assert.match(catchBpf(() => prog.fd).message, /BPF object build\/bpf\/process\.bpf\.o is closed/);
    obj.close();
    assert.equal(bridge.calls.filter((c) => c === 'objClose').length, 1);
  });

  it('a closed spec refuses further configuration with EBADF', () => {
    const spec = open(processBridge());
    spec.close();
    assert.equal(catchBpf(() => spec.setGlobal('target_pid', 1)).code, 'EBADF');
    assert.equal(catchBpf(() => spec.setMaxEntries('process_events', 4096)).code, 'EBADF');
    assert.equal(catchBpf(() => spec.load()).code, 'EBADF');
  });
});

describe('Program attach and Link', () => {
  it('attach() uses the section and returns a Link whose destroy is idempotent', () => {
    const bridge = processBridge();
    const obj = open(bridge).load();
    const link = obj.program('handle_exec').attach();
    assert.equal(link.kind, 'auto');
    assert.equal(link.program, 'handle_exec');
    assert.equal(link.target, 'raw_tp/sched_process_exec');
    assert.equal(link.attached, true);
    const fake = bridge.links[0]!;
    assert.equal(fake.kind, 'auto');
    assert.equal(link.fd, fake.fd);
    link.destroy();
    assert.equal(link.attached, false);
    assert.equal(fake.destroyed, true);
    link.destroy();
    link.destroy();
    assert.equal(fake.destroyCalls, 1, 'the bridge is asked to destroy once');
    assert.throws(() => link.fd, /is destroyed/);
  });

  it('each attach kind describes its target', () => {
    const bridge = processBridge();
    const prog = open(bridge).load().program('handle_fork');
    const links = [
      prog.attachTracepoint('sched', 'sched_process_fork'),
      prog.attachRawTracepoint('sched_process_fork'),
      prog.attachXdp(3),
      prog.attachCgroup(7, '/sys/fs/cgroup/a'),
      prog.attachUprobe('/usr/bin/bash', 0x1f0, { pid: 42, retprobe: true }),
    ];
    assert.deepEqual(
      links.map((l) => [l.kind, l.target]),
      [
        ['tracepoint', 'sched/sched_process_fork'],
        ['raw_tracepoint', 'sched_process_fork'],
        ['xdp', 'ifindex 3'],
        ['cgroup', '/sys/fs/cgroup/a'],
        ['uprobe', '/usr/bin/bash+0x1f0'],
      ],
    );
    assert.deepEqual(
      bridge.links.map((l) => l.kind),
      ['tracepoint', 'raw_tracepoint', 'xdp', 'cgroup', 'uretprobe'],
    );
    assert.equal(bridge.links[4]!.target, '/usr/bin/bash+496 pid 42');
    for (const l of links) l.destroy();
    assert.ok(bridge.links.every((l) => l.destroyed && l.destroyCalls === 1));
  });

  it('an attach failure carries errno code, bridge message and hint', () => {
    const bridge = processBridge();
    const prog = open(bridge).load().program('handle_exit');
    bridge.failAttach(
      'handle_exit',
      Errno.EPERM,
      'cannot attach raw tracepoint sched_process_exit: Operation not permitted',
    );
    const err = catchBpf(() => prog.attachRawTracepoint('sched_process_exit'));
    assert.equal(err.code, 'EPERM');
    assert.equal(
      err.message,
      `attach handle_exit to sched_process_exit: cannot attach raw tracepoint sched_process_exit: Operation not permitted (${PERM_HINT})`,
    );
    bridge.failAttach(
      'handle_exit',
      Errno.ENOENT,
      'cannot attach tracepoint sched/nope: No such file or directory',
    );
    const missing = catchBpf(() => prog.attachTracepoint('sched', 'nope'));
    assert.equal(missing.code, 'ENOENT');
    assert.match(missing.message, /^attach handle_exit to sched\/nope: cannot attach tracepoint/);
    assert.equal(bridge.links.length, 0);
    bridge.clearAttachFailure('handle_exit');
    assert.equal(prog.attach().attached, true);
    // Other programs were never affected.
    assert.equal(bridge.links.length, 1);
  });

  it('a failing destroy throws once and still leaves the link released', () => {
    const bridge = processBridge();
    const link = open(bridge).load().program('handle_exec').attach();
    bridge.failNext('linkDestroy', Errno.EBUSY, 'cannot destroy link: Device or resource busy');
    const err = catchBpf(() => link.destroy());
    assert.equal(err.code, 'EBUSY');
    assert.equal(link.attached, false);
    link.destroy();
  });

  it('pins and unpins links and programs', () => {
    const bridge = processBridge();
    const obj = open(bridge).load();
    const link = obj.program('handle_exec').attach();
    link.pin('/sys/fs/bpf/exec');
    assert.equal(link.pinnedAt, '/sys/fs/bpf/exec');
    assert.equal(bridge.links[0]!.pinnedAt, '/sys/fs/bpf/exec');
    link.unpin();
    assert.equal(link.pinnedAt, undefined);
    assert.equal(bridge.links[0]!.pinnedAt, undefined);
    obj.program('handle_fork').pin('/sys/fs/bpf/fork');
    assert.equal(bridge.object(PROCESS_OBJECT).programs[1]!.pinnedAt, '/sys/fs/bpf/fork');
    bridge.failNext('linkPin', Errno.EEXIST, 'cannot pin link at /sys/fs/bpf/exec: File exists');
    assert.equal(catchBpf(() => link.pin('/sys/fs/bpf/exec')).code, 'EEXIST');
    assert.equal(link.pinnedAt, undefined, 'a failed pin does not record the path');
  });
});

describe('Kernel', () => {
  it('maps probe results to yes/no/unknown and passes host facts through', () => {
    const bridge = new FakeBridge({ cpus: 6, bootOffsetNs: 123n });
    bridge.probes.set(`prog:${ProgType.LSM}`, 1);
    bridge.probes.set(`map:${MapType.RINGBUF}`, 0);
    bridge.tracepointArgs.set('sched_process_exit', 2);
    const k = new Kernel(bridge);
    assert.equal(k.progType(ProgType.LSM), 'yes');
    assert.equal(k.mapType(MapType.RINGBUF), 'no');
    assert.equal(k.helper(ProgType.TRACING, 131), 'unknown');
    assert.equal(k.tracepointArgs('sched_process_exit'), 2);
    assert.equal(k.tracepointArgs('nope'), undefined);
    assert.equal(k.possibleCpus(), 6);
    assert.equal(k.bootOffsetNs(), 123n);
    bridge.enums.set('skb_drop_reason', [
      { name: 'SKB_NOT_DROPPED_YET', value: 0 },
      { name: 'SKB_DROP_REASON_NOT_SPECIFIED', value: 2 },
    ]);
    assert.deepEqual(
      k.enumValues('skb_drop_reason'),
      new Map([
        [0, 'SKB_NOT_DROPPED_YET'],
        [2, 'SKB_DROP_REASON_NOT_SPECIFIED'],
      ]),
    );
    assert.equal(k.enumValues('nope'), undefined);
    k.mount('bpf', '/sys/fs/bpf', 'bpf');
    assert.deepEqual(bridge.mounts, [{ source: 'bpf', target: '/sys/fs/bpf', fstype: 'bpf' }]);
    bridge.failNext('mountFs', Errno.EPERM, 'cannot mount bpf at /x: Operation not permitted');
    assert.equal(catchBpf(() => k.mount('bpf', '/x', 'bpf')).code, 'EPERM');
  });
});
