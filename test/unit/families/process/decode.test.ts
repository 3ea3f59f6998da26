import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BootClock } from '../../../../src/domain/clock.ts';
import { readCString, readStringList } from '../../../../src/domain/decode/cstring.ts';
import { COMM_LEN, HEADER, PATH_MAX } from '../../../../src/domain/layout/header.ts';
import { layout } from '../../../../src/domain/layout/struct.ts';
import { EVENT_TYPES } from '../../../../src/families/events.ts';
import { type DecodeResult, decodeProcessRecord } from '../../../../src/families/process/decode.ts';
import {
  ARGS_MAX,
  EventTypeId,
  EXEC,
  EXEC_ARGS_TRUNCATED,
  EXEC_FILENAME_TRUNCATED,
  EXIT,
  FORK,
  PROCESS_LAYOUTS,
} from '../../../../src/families/process/layout.ts';
import { decodeWaitStatus } from '../../../../src/families/process/wait-status.ts';

const H = HEADER.fields;
const E = EXEC.fields;
const F = FORK.fields;
const X = EXIT.fields;
const utf8 = new TextEncoder();

// ---- record builders: every offset comes from the layout constants ---------

interface Hdr {
  ktimeNs: bigint;
  type: number;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  gid: number;
  cgroupId: bigint;
  comm: string | Uint8Array;
}

const HDR: Hdr = {
  ktimeNs: 123_456_789_012n,
  type: EventTypeId.exec,
  pid: 4242,
  tid: 4243,
  ppid: 1,
  uid: 1000,
  gid: 100,
  cgroupId: 2n ** 40n + 7n,
  comm: 'bash',
};

class Rec {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly base: number;

  /** A record of size bytes at base inside a buffer of base + size + slack bytes. */
  constructor(size: number, base = 0, slack = 0, fill = 0) {
    this.bytes = new Uint8Array(base + size + slack).fill(fill);
    this.view = new DataView(this.bytes.buffer);
    this.base = base;
  }

  u32(off: number, v: number): this {
    this.view.setUint32(this.base + off, v, true);
    return this;
  }

  u64(off: number, v: bigint): this {
    this.view.setBigUint64(this.base + off, v, true);
    return this;
  }

  /** Writes raw bytes into a field, checking they fit it. */
  put(field: { offset: number; size: number }, b: Uint8Array): this {
    assert.ok(b.length <= field.size, `${b.length} bytes do not fit a ${field.size}-byte field`);
    this.bytes.set(b, this.base + field.offset);
    return this;
  }

  header(h: Partial<Hdr>): this {
    const v = { ...HDR, ...h };
    this.u64(H.ktime_ns.offset, v.ktimeNs)
      .u32(H.type.offset, v.type)
      .u32(H.pid.offset, v.pid)
      .u32(H.tid.offset, v.tid)
      .u32(H.ppid.offset, v.ppid)
      .u32(H.uid.offset, v.uid)
      .u32(H.gid.offset, v.gid)
      .u64(H.cgroup_id.offset, v.cgroupId);
    const comm = typeof v.comm === 'string' ? utf8.encode(`${v.comm}\0`) : v.comm;
    return this.put(H.comm, comm);
  }

  decode(clock: BootClock, size = this.bytes.length - this.base): DecodeResult {
    return decodeProcessRecord(this.bytes, this.view, this.base, size, clock);
  }
}

function argsBytes(argv: readonly string[]): Uint8Array {
  return utf8.encode(argv.map((a) => `${a}\0`).join(''));
}

function execRecord(
  opts: {
    hdr?: Partial<Hdr>;
    filename?: string | Uint8Array;
    args?: Uint8Array;
    argsLen?: number;
    argc?: number;
    flags?: number;
    oldPid?: number;
  } = {},
  base = 0,
  fill = 0,
  slack = 0,
): Rec {
  const args = opts.args ?? argsBytes(['ls', '-la', '/tmp']);
  const filename =
    typeof opts.filename === 'string' || opts.filename === undefined
      ? utf8.encode(`${opts.filename ?? '/usr/bin/ls'}\0`)
      : opts.filename;
  return new Rec(EXEC.size, base, slack, fill)
    .header({ type: EventTypeId.exec, ...opts.hdr })
    .u32(E.argc.offset, opts.argc ?? 3)
    .u32(E.args_len.offset, opts.argsLen ?? args.length)
    .u32(E.flags.offset, opts.flags ?? 0)
    .u32(E.old_pid.offset, opts.oldPid ?? 4242)
    .put(E.filename, filename)
    .put(E.args, args);
}

function exitRecord(status: number, lifetimeNs: bigint, hdr: Partial<Hdr> = {}): Rec {
  return new Rec(EXIT.size)
    .header({ type: EventTypeId.exit, ...hdr })
    .u32(X.exit_status.offset, status)
    .u32(X._pad.offset, 0xdeadbeef)
    .u64(X.lifetime_ns.offset, lifetimeNs);
}

/** realtime - boottime, in ns; its microseconds are 1_700_000_000_123_456. */
const OFFSET_NS = 1_700_000_000_123_456_789n;
const clock = (): BootClock => new BootClock(OFFSET_NS);

/** Wall time the decoder must give for HDR.ktimeNs: computed by hand. */
const HDR_TIME_US = 123_456_789 + 1_700_000_000_123_456;

const HDR_EXPECT = {
  timeUs: HDR_TIME_US,
  ktimeNs: 123_456_789_012,
  pid: 4242,
  tid: 4243,
  ppid: 1,
  uid: 1000,
  gid: 100,
  cgroupId: 1_099_511_627_783,
  comm: 'bash',
};

function ok(r: DecodeResult): Exclude<DecodeResult, { error: string }> {
  if ('error' in r) assert.fail(`unexpected decode error: ${r.error}`);
  return r;
}

// ---- tests ------------------------------------------------------------------

describe('layouts', () => {
  it('match the C structs in bpf/include/events.h (offsets by hand)', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(H).map(([k, f]) => [k, [f.offset, f.size]])), {
      ktime_ns: [0, 8],
      type: [8, 4],
      pid: [12, 4],
      tid: [16, 4],
      ppid: [20, 4],
      uid: [24, 4],
      gid: [28, 4],
      cgroup_id: [32, 8],
      comm: [40, 16],
    });
    assert.equal(HEADER.size, 56);
    assert.deepEqual(
      [E.hdr.offset, E.argc.offset, E.args_len.offset, E.flags.offset, E.old_pid.offset],
      [0, 56, 60, 64, 68],
    );
    assert.deepEqual([E.filename.offset, E.filename.size, E.args.offset, E.args.size], [72, 256, 328, 1024]);
    assert.equal(EXEC.size, 1352);
    assert.deepEqual([F.child_pid.offset, F.child_tid.offset, FORK.size], [56, 60, 64]);
    assert.deepEqual(
      [X.exit_status.offset, X._pad.offset, X.lifetime_ns.offset, EXIT.size],
      [56, 60, 64, 72],
    );
    assert.deepEqual(
      PROCESS_LAYOUTS.map((l) => l.name),
      ['bw_event_header', 'bw_exec_event', 'bw_fork_event', 'bw_exit_event'],
    );
  });

  it('use the constants events.h and process.h define', () => {
    const h = ['events.h', 'process.h']
      .map((f) => readFileSync(new URL(`../../../../bpf/include/${f}`, import.meta.url), 'utf8'))
      .join('\n');
    const def = (name: string): number => {
      const m = new RegExp(`#define ${name} (0x[0-9a-f]+|\\d+)`).exec(h);
      assert.ok(m, `${name} in events.h`);
      return Number(m[1]);
    };
    const enumValue = (name: string): number => {
      const m = new RegExp(`${name} = (\\d+)`).exec(h);
      assert.ok(m, `${name} in events.h`);
      return Number(m[1]);
    };
    assert.equal(COMM_LEN, def('BW_COMM_LEN'));
    assert.equal(PATH_MAX, def('BW_PATH_MAX'));
    assert.equal(ARGS_MAX, def('BW_ARGS_MAX'));
    assert.equal(EXEC_ARGS_TRUNCATED, def('BW_EXEC_ARGS_TRUNCATED'));
    assert.equal(EXEC_FILENAME_TRUNCATED, def('BW_EXEC_FILENAME_TRUNCATED'));
    assert.equal(EventTypeId.exec, enumValue('BW_EV_EXEC'));
    assert.equal(EventTypeId.fork, enumValue('BW_EV_FORK'));
    assert.equal(EventTypeId.exit, enumValue('BW_EV_EXIT'));
  });
});

describe('layout(): alignment arithmetic', () => {
  it('aligns each field to its size (at most 8) and the struct to its largest alignment', () => {
    const l = layout('t', [
      ['a', 1],
      ['b', 4],
      ['c', 2],
      ['d', 8],
      ['e', 3, 1],
    ]);
    assert.deepEqual(l.fields, {
      a: { offset: 0, size: 1 },
      b: { offset: 4, size: 4 },
      c: { offset: 8, size: 2 },
      d: { offset: 16, size: 8 },
      e: { offset: 24, size: 3 },
    });
    assert.equal(l.size, 32, '27 bytes rounded up to the 8-byte alignment');
  });

  it('pads the tail only to the largest member alignment', () => {
    assert.equal(
      layout('u32_u8', [
        ['x', 4],
        ['y', 1],
      ]).size,
      8,
    );
    assert.equal(
      layout('u16_u8', [
        ['x', 2],
        ['y', 1],
      ]).size,
      4,
    );
    assert.equal(
      layout('chars', [
        ['x', 1],
        ['y', 1],
        ['z', 1],
      ]).size,
      3,
    );
    assert.equal(
      layout('arr', [
        ['name', 16, 1],
        ['n', 1],
      ]).size,
      17,
    );
  });

  it('honours an alignment override for nested structs and char arrays', () => {
    const l = layout('n', [
      ['tag', 1],
      ['inner', 12, 4],
      ['buf', 5, 1],
      ['tail', 8],
    ]);
    assert.deepEqual(
      [l.fields.tag.offset, l.fields.inner.offset, l.fields.buf.offset, l.fields.tail.offset, l.size],
      [0, 4, 16, 24, 32],
    );
  });
});

describe('decodeProcessRecord: exec', () => {
  it('decodes every field, converting boot time to wall time', () => {
    const ev = ok(execRecord().decode(clock()));
    assert.deepEqual(ev, {
      ...HDR_EXPECT,
      type: 'exec',
      filename: '/usr/bin/ls',
      argv: ['ls', '-la', '/tmp'],
      argc: 3,
      argsTruncated: false,
      filenameTruncated: false,
      oldPid: 4242,
    });
  });

  it('reads a record at an offset inside a larger dirty buffer', () => {
    const r = execRecord({ hdr: { comm: 'sh' } }, 24, 0x41);
    // The fill byte 0x41 surrounds everything we wrote: strings must stop at the NULs written.
    const ev = ok(r.decode(clock()));
    assert.equal(ev.type, 'exec');
    assert.equal(ev.comm, 'sh');
    assert.equal(ev.pid, 4242);
    if (ev.type === 'exec') {
      assert.equal(ev.filename, '/usr/bin/ls');
      assert.deepEqual(ev.argv, ['ls', '-la', '/tmp']);
    }
  });

  it('keeps u64 fields above 2^32 exact', () => {
    const ev = ok(
      execRecord({ hdr: { ktimeNs: 2n ** 45n + 999n, cgroupId: 2n ** 52n + 1n } }).decode(new BootClock(0n)),
    );
    assert.equal(ev.ktimeNs, 2 ** 45 + 999);
    assert.equal(ev.cgroupId, 2 ** 52 + 1);
    assert.equal(ev.timeUs, Math.floor((2 ** 45 + 999) / 1000));
    assert.equal(ev.timeUs, 35_184_372_089);
  });

  it('reports truncation flags, a full-length filename and partial last argument', () => {
    const filename = new Uint8Array(PATH_MAX).fill(0x61); // no NUL: the field is full
    const args = new Uint8Array(ARGS_MAX);
    const words = argsBytes(['a'.repeat(500), 'b'.repeat(500)]); // 1002 bytes
    args.set(words);
    args.fill(0x63, words.length); // 'c' up to the end, no terminator
    const ev = ok(
      execRecord({
        filename,
        args,
        argsLen: ARGS_MAX,
        argc: 5000,
        flags: EXEC_ARGS_TRUNCATED | EXEC_FILENAME_TRUNCATED,
      }).decode(clock()),
    );
    assert.equal(ev.type, 'exec');
    if (ev.type !== 'exec') return;
    assert.equal(ev.filename, 'a'.repeat(PATH_MAX));
    assert.equal(ev.argsTruncated, true);
    assert.equal(ev.filenameTruncated, true);
    assert.equal(ev.argc, 5000);
    assert.deepEqual(ev.argv, ['a'.repeat(500), 'b'.repeat(500), 'c'.repeat(ARGS_MAX - 1002)]);
  });

  it('reports each truncation flag on its own', () => {
    const a = ok(execRecord({ flags: EXEC_ARGS_TRUNCATED }).decode(clock()));
    const f = ok(execRecord({ flags: EXEC_FILENAME_TRUNCATED }).decode(clock()));
    assert.ok(a.type === 'exec' && f.type === 'exec');
    assert.deepEqual([a.argsTruncated, a.filenameTruncated], [true, false]);
    assert.deepEqual([f.argsTruncated, f.filenameTruncated], [false, true]);
  });

  it('decodes UTF-8 in comm, filename and arguments, and keeps empty arguments', () => {
    const ev = ok(
      execRecord({
        hdr: { comm: 'café' },
        filename: '/tmp/naïve ✓',
        args: argsBytes(['echo', '', 'ünïcødé']),
        argc: 3,
      }).decode(clock()),
    );
    assert.ok(ev.type === 'exec');
    assert.equal(ev.comm, 'café');
    assert.equal(ev.filename, '/tmp/naïve ✓');
    assert.deepEqual(ev.argv, ['echo', '', 'ünïcødé']);
  });

  it('clamps args_len larger than the field to the field', () => {
    const args = new Uint8Array(ARGS_MAX).fill(0x7a);
    args.set(argsBytes(['x']));
    const ev = ok(execRecord({ args, argsLen: 0xffffffff }).decode(clock()));
    assert.ok(ev.type === 'exec');
    assert.deepEqual(ev.argv, ['x', 'z'.repeat(ARGS_MAX - 2)]);
  });

  it('clamps args_len so bytes after the record (the next record in a batch) stay out', () => {
    const args = new Uint8Array(ARGS_MAX).fill(0x7a);
    args.set(argsBytes(['x']));
    // 64 bytes of 'Q' follow the record in the buffer.
    const r = execRecord({ args, argsLen: ARGS_MAX + 64 }, 8, 0x51, 64);
    const ev = ok(r.decode(clock(), EXEC.size));
    assert.ok(ev.type === 'exec');
    assert.deepEqual(ev.argv, ['x', 'z'.repeat(ARGS_MAX - 2)]);
  });

  it('args_len of 0 gives no arguments even if the field holds some', () => {
    const ev = ok(execRecord({ argsLen: 0 }).decode(clock()));
    assert.ok(ev.type === 'exec');
    assert.deepEqual(ev.argv, []);
  });

  it('honours an args_len shorter than the captured text', () => {
    const ev = ok(execRecord({ argsLen: 6 }).decode(clock()));
    assert.ok(ev.type === 'exec');
    assert.deepEqual(ev.argv, ['ls', '-la']);
  });

  it('uses the offset current at decode time after BootClock.update', () => {
    const c = clock();
    const r = execRecord();
    assert.equal(ok(r.decode(c)).timeUs, HDR_TIME_US);
    c.update(OFFSET_NS + 2_000_000n);
    assert.equal(ok(r.decode(c)).timeUs, HDR_TIME_US + 2000);
  });
});

describe('decodeProcessRecord: fork and exit', () => {
  it('decodes a fork record', () => {
    const r = new Rec(FORK.size)
      .header({ type: EventTypeId.fork, comm: 'systemd' })
      .u32(F.child_pid.offset, 31337)
      .u32(F.child_tid.offset, 31337);
    assert.deepEqual(ok(r.decode(clock())), {
      ...HDR_EXPECT,
      comm: 'systemd',
      type: 'fork',
      childPid: 31337,
    });
  });

  it('decodes a normal exit with its code and a lifetime above 2^32 ns', () => {
    const ev = ok(exitRecord(3 << 8, 2n ** 33n + 5n).decode(clock()));
    assert.deepEqual(ev, {
      ...HDR_EXPECT,
      type: 'exit',
      exitCode: 3,
      signal: null,
      coreDumped: false,
      lifetimeNs: 8_589_934_597,
    });
  });

  it('decodes exit code 0 and 255', () => {
    const zero = ok(exitRecord(0, 1n).decode(clock()));
    const max = ok(exitRecord(255 << 8, 1n).decode(clock()));
    assert.ok(zero.type === 'exit' && max.type === 'exit');
    assert.deepEqual([zero.exitCode, zero.signal], [0, null]);
    assert.deepEqual([max.exitCode, max.signal], [255, null]);
  });

  it('decodes death by a signal', () => {
    const ev = ok(exitRecord(9, 1_000n).decode(clock()));
    assert.ok(ev.type === 'exit');
    assert.deepEqual([ev.exitCode, ev.signal, ev.coreDumped, ev.lifetimeNs], [null, 9, false, 1000]);
  });

  it('decodes death by a signal with a core dump', () => {
    const ev = ok(exitRecord(11 | 0x80, 1_000n).decode(clock()));
    assert.ok(ev.type === 'exit');
    assert.deepEqual([ev.exitCode, ev.signal, ev.coreDumped], [null, 11, true]);
  });
});

describe('decodeProcessRecord: malformed input', () => {
  it('a record shorter than the header is an error', () => {
    const r = new Rec(HEADER.size - 1);
    const res = r.decode(clock());
    assert.ok('error' in res);
    assert.match(res.error, /record of 55 bytes is shorter than the header/);
    assert.ok(
      'error' in decodeProcessRecord(new Uint8Array(0), new DataView(new ArrayBuffer(0)), 0, 0, clock()),
    );
  });

  for (const [name, id, full] of [
    ['exec', EventTypeId.exec, EXEC.size],
    ['fork', EventTypeId.fork, FORK.size],
    ['exit', EventTypeId.exit, EXIT.size],
  ] as const) {
    it(`${name} record one byte short is an error naming both sizes`, () => {
      const r = new Rec(full - 1).header({ type: id });
      const res = r.decode(clock());
      assert.ok('error' in res, JSON.stringify(res));
      assert.equal(res.error, `${name} record of ${full - 1} bytes, expected ${full}`);
    });
  }

  it('an unknown type id is an error', () => {
    for (const t of [0, 4, 64, 0xffffffff]) {
      const res = new Rec(EXEC.size).header({ type: t }).decode(clock());
      assert.deepEqual(res, { error: `unknown process event type ${t}` });
    }
  });

  it('a longer record than expected decodes (trailing bytes ignored)', () => {
    const r = new Rec(FORK.size + 40, 0, 0, 0x5a)
      .header({ type: EventTypeId.fork })
      .u32(F.child_pid.offset, 7);
    const ev = ok(r.decode(clock()));
    assert.ok(ev.type === 'fork');
    assert.equal(ev.childPid, 7);
  });

  it('an unterminated comm stops at the field end', () => {
    const r = new Rec(FORK.size).header({ type: EventTypeId.fork, comm: utf8.encode('0123456789abcdef') });
    r.u32(F.child_pid.offset, 0x01010101); // bytes after comm are not part of it
    assert.equal(ok(r.decode(clock())).comm, '0123456789abcdef');
  });

  it('never throws on random bytes of random length (property)', () => {
    const typed = fc
      .tuple(fc.uint8Array({ maxLength: 1600 }), fc.constantFrom(0, 1, 2, 3, 4, 99), fc.nat(64))
      .map(([b, t, pre]) => {
        // Often force a known type so the per-type paths run too; put the record after some prefix.
        const bytes = new Uint8Array(pre + b.length);
        bytes.set(b, pre);
        if (t !== 99 && b.length >= 12) new DataView(bytes.buffer).setUint32(pre + 8, t, true);
        return { bytes, off: pre };
      });
    fc.assert(
      fc.property(typed, fc.bigInt({ min: 0n, max: 2n ** 63n }), ({ bytes, off }, offset) => {
        const res = decodeProcessRecord(
          bytes,
          new DataView(bytes.buffer),
          off,
          bytes.length - off,
          new BootClock(offset),
        );
        if ('error' in res) {
          assert.equal(typeof res.error, 'string');
          return;
        }
        assert.ok(EVENT_TYPES.includes(res.type));
        assert.ok(res.comm.length <= COMM_LEN);
        if (res.type === 'exec') assert.ok(res.argv.join('\0').length <= ARGS_MAX);
      }),
      { numRuns: 500 },
    );
  });
});

describe('readCString', () => {
  it('ASCII fast path: stops at the first NUL', () => {
    const b = utf8.encode('xxbash\0junk');
    assert.equal(readCString(b, 2, 16), 'bash');
    assert.equal(readCString(b, 6, 5), '');
  });

  it('decodes UTF-8, short and long', () => {
    assert.equal(readCString(utf8.encode('héllo\0'), 0, 16), 'héllo');
    const long = `${'é'.repeat(40)}✓`;
    assert.equal(readCString(utf8.encode(`${long}\0`), 0, 256), long);
  });

  it('decodes ASCII longer than the fast path', () => {
    const s = 'a'.repeat(33);
    assert.equal(readCString(utf8.encode(`${s}\0`), 0, 64), s);
  });

  it('without a terminator returns exactly max bytes', () => {
    const b = utf8.encode('abcdefghijklmnopqrstuvwxyz');
    assert.equal(readCString(b, 0, 16), 'abcdefghijklmnop');
    assert.equal(readCString(b, 10, 4), 'klmn');
    assert.equal(readCString(utf8.encode('é'.repeat(20)), 0, 40), 'é'.repeat(20));
  });

  it('stops at the end of the array when the field runs past it', () => {
    assert.equal(readCString(Uint8Array.of(0x41, 0x42), 0, 16), 'AB');
    assert.equal(readCString(Uint8Array.of(0x41, 0xc3, 0xa9), 0, 16), 'Aé');
    assert.equal(readCString(new Uint8Array(0), 0, 8), '');
  });

  it('replaces invalid UTF-8 rather than throwing', () => {
    assert.equal(readCString(Uint8Array.of(0x61, 0xff, 0x62, 0), 0, 8), 'a\ufffdb');
  });

  it('agrees with TextDecoder on the bytes before the first NUL (property)', () => {
    const dec = new TextDecoder();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(80), fc.nat(80), (b, o, max) => {
        const off = Math.min(o, b.length);
        const field = b.subarray(off, off + max);
        const nul = field.indexOf(0);
        const expected = dec.decode(nul < 0 ? field : field.subarray(0, nul));
        assert.equal(readCString(b, off, max), expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('readStringList', () => {
  it('splits NUL-separated strings and drops the final terminator', () => {
    assert.deepEqual(readStringList(argsBytes(['a', 'bc', 'def']), 0, 9), ['a', 'bc', 'def']);
  });

  it('keeps empty strings inside the list and a last unterminated one', () => {
    const b = utf8.encode('a\0\0b\0tail');
    assert.deepEqual(readStringList(b, 0, b.length), ['a', '', 'b', 'tail']);
  });

  it('reads only [off, off+len)', () => {
    const b = utf8.encode('XXone\0two\0three\0');
    assert.deepEqual(readStringList(b, 2, 8), ['one', 'two']);
    assert.deepEqual(readStringList(b, 2, 5), ['one', 't']);
  });

  it('gives an empty list for len <= 0', () => {
    const b = utf8.encode('a\0');
    assert.deepEqual(readStringList(b, 0, 0), []);
    assert.deepEqual(readStringList(b, 0, -5), []);
  });

  it('decodes UTF-8 arguments', () => {
    const b = argsBytes(['grep', 'naïve', '✓']);
    assert.deepEqual(readStringList(b, 0, b.length), ['grep', 'naïve', '✓']);
  });
});

describe('decodeWaitStatus', () => {
  it('normal exits give the code from bits 8-15', () => {
    assert.deepEqual(decodeWaitStatus(0), { exitCode: 0, signal: null, coreDumped: false });
    assert.deepEqual(decodeWaitStatus(1 << 8), { exitCode: 1, signal: null, coreDumped: false });
    assert.deepEqual(decodeWaitStatus(255 << 8), { exitCode: 255, signal: null, coreDumped: false });
  });

  it('signals give the signal number and the core-dump bit', () => {
    assert.deepEqual(decodeWaitStatus(15), { exitCode: null, signal: 15, coreDumped: false });
    assert.deepEqual(decodeWaitStatus(6 | 0x80), { exitCode: null, signal: 6, coreDumped: true });
    assert.deepEqual(decodeWaitStatus(64), { exitCode: null, signal: 64, coreDumped: false });
  });

  it('agrees with the wait(2) macros for every code and signal (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 1, max: 126 }),
        fc.boolean(),
        (code, sig, core) => {
          assert.deepEqual(decodeWaitStatus(code << 8), { exitCode: code, signal: null, coreDumped: false });
          assert.deepEqual(decodeWaitStatus(sig | (core ? 0x80 : 0)), {
            exitCode: null,
            signal: sig,
            coreDumped: core,
          });
        },
      ),
    );
  });
});

describe('BootClock', () => {
  it('adds the offset in microseconds, flooring the kernel nanoseconds', () => {
    const c = new BootClock(1_500n);
    assert.equal(c.offsetUs, 1);
    assert.equal(c.toWallUs(1_999), 2);
    assert.equal(c.toWallUs(0), 1);
    c.update(10_000_000n);
    assert.equal(c.offsetUs, 10_000);
    assert.equal(c.toWallUs(1_999), 10_001);
  });
});
