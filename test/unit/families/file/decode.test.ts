import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BootClock } from '../../../../src/domain/clock.ts';
import { HEADER, PATH_MAX } from '../../../../src/domain/layout/header.ts';
import type { Field, StructLayout } from '../../../../src/domain/layout/struct.ts';
import { decodeFileRecord, type FileDecodeResult } from '../../../../src/families/file/decode.ts';
import { FILE_EVENT_TYPES } from '../../../../src/families/file/events.ts';
import {
  CHMOD,
  FILE_CONFIG,
  FILE_LAYOUTS,
  FILE_NEWPATH_TRUNCATED,
  FILE_NEWPATH_UNREADABLE,
  FILE_PATH_TRUNCATED,
  FILE_PATH_UNREADABLE,
  FILE_PREFIX,
  FILE_PREFIX_LEN,
  FILE_PREFIX_MAX,
  FileEventTypeId,
  FileSyscallId,
  OPEN,
  RENAME,
  UNLINK,
} from '../../../../src/families/file/layout.ts';

const H = HEADER.fields;
const O = OPEN.fields;
const U = UNLINK.fields;
const R = RENAME.fields;
const C = CHMOD.fields;
const utf8 = new TextEncoder();

/** realtime - boottime, in ns; its microseconds are 1_700_000_000_123_456. */
const clock = (): BootClock => new BootClock(1_700_000_000_123_456_789n);
const KTIME_NS = 123_456_789_012n;

const HDR_EXPECT = {
  timeUs: 123_456_789 + 1_700_000_000_123_456,
  ktimeNs: 123_456_789_012,
  pid: 4242,
  tid: 4243,
  ppid: 1,
  uid: 1000,
  gid: 100,
  cgroupId: 2 ** 40 + 7,
  comm: 'cat',
};

// ---- record builders: every offset comes from the layout constants ---------

class Rec {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly base: number;
  /** Bytes the kernel sends: up to the end of the last path's NUL. */
  size: number;

  constructor(layout: StructLayout, type: number, base = 0, slack = 0, fill = 0) {
    this.bytes = new Uint8Array(base + layout.size + slack).fill(fill);
    this.view = new DataView(this.bytes.buffer);
    this.base = base;
    this.size = layout.size;
    this.u64(H.ktime_ns, KTIME_NS)
      .u32(H.type, type)
      .u32(H.pid, 4242)
      .u32(H.tid, 4243)
      .u32(H.ppid, 1)
      .u32(H.uid, 1000)
      .u32(H.gid, 100)
      .u64(H.cgroup_id, 2n ** 40n + 7n)
      .put(H.comm, utf8.encode('cat\0'));
  }

  u32(f: Field, v: number): this {
    this.view.setUint32(this.base + f.offset, v >>> 0, true);
    return this;
  }

  i64(f: Field, v: bigint): this {
    this.view.setBigInt64(this.base + f.offset, v, true);
    return this;
  }

  u64(f: Field, v: bigint): this {
    this.view.setBigUint64(this.base + f.offset, v, true);
    return this;
  }

  put(f: Field, b: Uint8Array): this {
    assert.ok(b.length <= f.size, `${b.length} bytes do not fit a ${f.size}-byte field`);
    this.bytes.set(b, this.base + f.offset);
    return this;
  }

  /** Writes a path with its NUL; as the last path, it also sets the record size like the kernel. */
  path(f: Field, s: string, last: boolean): this {
    const raw = utf8.encode(`${s}\0`).subarray(0, f.size);
    this.put(f, raw);
    if (last) this.size = f.offset + raw.length;
    return this;
  }

  decode(size = this.size): FileDecodeResult {
    return decodeFileRecord(this.bytes, this.view, this.base, size, clock());
  }
}

function openRec(path = '/etc/passwd', result = 3n, base = 0, slack = 0, fill = 0): Rec {
  return new Rec(OPEN, FileEventTypeId.open, base, slack, fill)
    .i64(O.result, result)
    .u32(O.syscall, FileSyscallId.openat)
    .u32(O.path_status, 0)
    .u32(O.dirfd, -100)
    .u32(O.flags, 0o2000000)
    .u32(O.mode, 0)
    .u32(O.path_len, utf8.encode(path).length + 1)
    .path(O.path, path, true);
}

function ok(r: FileDecodeResult): Exclude<FileDecodeResult, { error: string }> {
  if ('error' in r) assert.fail(`unexpected decode error: ${r.error}`);
  return r;
}

// ---- tests ------------------------------------------------------------------

describe('file layouts', () => {
  it('match the C structs in bpf/include/file.h (offsets by hand)', () => {
    const offsets = (l: StructLayout): Record<string, [number, number]> =>
      Object.fromEntries(Object.entries(l.fields).map(([k, f]) => [k, [f.offset, f.size]]));
    assert.deepEqual(offsets(OPEN), {
      hdr: [0, 56],
      result: [56, 8],
      syscall: [64, 4],
      path_status: [68, 4],
      dirfd: [72, 4],
      flags: [76, 4],
      mode: [80, 4],
      path_len: [84, 4],
      path: [88, 256],
    });
    assert.equal(OPEN.size, 344);
    assert.deepEqual(
      [U.dirfd.offset, U.flags.offset, U.path_len.offset, U.path.offset, UNLINK.size],
      [72, 76, 80, 88, 344],
    );
    assert.deepEqual(
      [
        R.olddirfd.offset,
        R.newdirfd.offset,
        R.flags.offset,
        R.newpath_len.offset,
        R.oldpath.offset,
        R.newpath.offset,
      ],
      [72, 76, 80, 84, 88, 344],
    );
    assert.equal(RENAME.size, 600);
    assert.deepEqual(
      [
        C.dirfd.offset,
        C.fd.offset,
        C.mode.offset,
        C.flags.offset,
        C.path_len.offset,
        C.path.offset,
        CHMOD.size,
      ],
      [72, 76, 80, 84, 88, 96, 352],
    );
    // result, syscall and path_status at one offset in every record: the kernel's exit relies on it.
    for (const l of [OPEN, UNLINK, RENAME, CHMOD]) {
      const f = l.fields as Record<string, Field>;
      assert.deepEqual([f.result?.offset, f.syscall?.offset, f.path_status?.offset], [56, 64, 68], l.name);
    }
    assert.deepEqual([FILE_PREFIX.fields.bytes.offset, FILE_PREFIX.size, FILE_CONFIG.size], [8, 72, 8]);
    assert.deepEqual(
      FILE_LAYOUTS.map((l) => l.name),
      [
        'bw_event_header',
        'bw_open_event',
        'bw_unlink_event',
        'bw_rename_event',
        'bw_chmod_event',
        'bw_file_prefix',
        'bw_file_config',
      ],
    );
  });

  it('use the constants file.h and events.h define', () => {
    const h = readFileSync(new URL('../../../../bpf/include/file.h', import.meta.url), 'utf8');
    const ev = readFileSync(new URL('../../../../bpf/include/events.h', import.meta.url), 'utf8');
    const num = (src: string, re: string): number => {
      const m = new RegExp(re).exec(src);
      assert.ok(m, re);
      return Number(m[1]);
    };
    const def = (name: string): number => num(h, `#define ${name} (0x[0-9a-f]+|\\d+)`);
    assert.equal(FILE_PATH_TRUNCATED, def('BW_FILE_PATH_TRUNCATED'));
    assert.equal(FILE_PATH_UNREADABLE, def('BW_FILE_PATH_UNREADABLE'));
    assert.equal(FILE_NEWPATH_TRUNCATED, def('BW_FILE_NEWPATH_TRUNCATED'));
    assert.equal(FILE_NEWPATH_UNREADABLE, def('BW_FILE_NEWPATH_UNREADABLE'));
    assert.equal(FILE_PREFIX_MAX, def('BW_FILE_PREFIX_MAX'));
    assert.equal(FILE_PREFIX_LEN, def('BW_FILE_PREFIX_LEN'));
    for (const [name, id] of Object.entries(FileEventTypeId)) {
      assert.equal(id, num(ev, `BW_EV_${name.toUpperCase()} = (\\d+)`), name);
    }
    for (const [name, id] of Object.entries(FileSyscallId)) {
      assert.equal(id, num(h, `BW_SYS_${name.toUpperCase()} = (\\d+)`), name);
    }
    assert.equal(Object.keys(FileSyscallId).length, (h.match(/BW_SYS_\w+ = \d+/g) ?? []).length);
  });
});

describe('decodeFileRecord', () => {
  it('decodes an open as the kernel sends it: cut after the path NUL', () => {
    const r = openRec();
    assert.equal(r.size, O.path.offset + 12);
    assert.deepEqual(ok(r.decode()), {
      ...HDR_EXPECT,
      type: 'open',
      syscall: 'openat',
      result: 3,
      path: '/etc/passwd',
      pathTruncated: false,
      pathUnreadable: false,
      dirfd: -100,
      flags: 0o2000000,
      mode: 0,
    });
  });

  it('decodes negative results (-errno) and 64-bit ones without BigInt', () => {
    for (const [raw, want] of [
      [-2n, -2],
      [-4095n, -4095],
      [0n, 0],
      [2n ** 40n, 2 ** 40],
      [-(2n ** 40n), -(2 ** 40)],
    ] as const) {
      const ev = ok(openRec('/x', raw).decode());
      assert.ok(ev.type === 'open');
      assert.equal(ev.result, want);
    }
  });

  it('decodes every open syscall name; the path bits say truncated and unreadable', () => {
    for (const s of ['open', 'creat', 'openat', 'openat2'] as const) {
      const ev = ok(openRec().u32(O.syscall, FileSyscallId[s]).decode());
      assert.ok(ev.type === 'open');
      assert.equal(ev.syscall, s);
    }
    const t = ok(openRec().u32(O.path_status, FILE_PATH_TRUNCATED).decode());
    const u = ok(openRec('').u32(O.path_status, FILE_PATH_UNREADABLE).decode());
    assert.ok(t.type === 'open' && u.type === 'open');
    assert.deepEqual([t.pathTruncated, t.pathUnreadable], [true, false]);
    assert.deepEqual([u.pathTruncated, u.pathUnreadable, u.path], [false, true, '']);
  });

  it('a full 255-byte path reads whole; a field without NUL stops at the field', () => {
    const p = `/${'a'.repeat(PATH_MAX - 2)}`;
    const ev = ok(openRec(p).decode());
    assert.ok(ev.type === 'open');
    assert.equal(ev.path, p);
    const full = openRec().put(O.path, new Uint8Array(PATH_MAX).fill(0x62));
    const e2 = ok(full.decode(OPEN.size));
    assert.ok(e2.type === 'open');
    assert.equal(e2.path, 'b'.repeat(PATH_MAX));
  });

  it('never reads the last path past the record end (the next record in the batch)', () => {
    // 'Q' fills the buffer after the record; the path has no NUL inside the record.
    const r = openRec('/etc/passwd', 3n, 8, 64, 0x51);
    const size = O.path.offset + 4; // "/etc" only, no NUL
    const ev = ok(r.decode(size));
    assert.ok(ev.type === 'open');
    assert.equal(ev.path, '/etc');
  });

  it('decodes unlink and unlinkat with flags', () => {
    const r = new Rec(UNLINK, FileEventTypeId.unlink)
      .i64(U.result, -21n)
      .u32(U.syscall, FileSyscallId.unlinkat)
      .u32(U.dirfd, 5)
      .u32(U.flags, 0x200)
      .u32(U.path_len, 4)
      .u32(U._pad, 0xdeadbeef)
      .path(U.path, 'sub', true);
    assert.deepEqual(ok(r.decode()), {
      ...HDR_EXPECT,
      type: 'unlink',
      syscall: 'unlinkat',
      result: -21,
      path: 'sub',
      pathTruncated: false,
      pathUnreadable: false,
      dirfd: 5,
      flags: 0x200,
    });
  });

  it('decodes rename with both paths, both dirfds and each path its own bits', () => {
    const r = new Rec(RENAME, FileEventTypeId.rename)
      .i64(R.result, 0n)
      .u32(R.syscall, FileSyscallId.renameat2)
      .u32(R.path_status, FILE_NEWPATH_TRUNCATED)
      .u32(R.olddirfd, -100)
      .u32(R.newdirfd, 7)
      .u32(R.flags, 1)
      .path(R.oldpath, '/tmp/a b', false)
      .path(R.newpath, 'b', true);
    assert.equal(r.size, R.newpath.offset + 2);
    assert.deepEqual(ok(r.decode()), {
      ...HDR_EXPECT,
      type: 'rename',
      syscall: 'renameat2',
      result: 0,
      oldPath: '/tmp/a b',
      newPath: 'b',
      oldDirfd: -100,
      newDirfd: 7,
      flags: 1,
      oldPathTruncated: false,
      oldPathUnreadable: false,
      newPathTruncated: true,
      newPathUnreadable: false,
    });
    const both = ok(r.u32(R.path_status, FILE_PATH_UNREADABLE | FILE_NEWPATH_UNREADABLE).decode());
    assert.ok(both.type === 'rename');
    assert.deepEqual(
      [both.oldPathUnreadable, both.newPathUnreadable, both.oldPathTruncated, both.newPathTruncated],
      [true, true, false, false],
    );
  });

  it('decodes chmod with a path (fd null) and fchmod with an fd (path empty)', () => {
    const chmod = new Rec(CHMOD, FileEventTypeId.chmod)
      .i64(C.result, -1n)
      .u32(C.syscall, FileSyscallId.fchmodat2)
      .u32(C.dirfd, -100)
      .u32(C.fd, -1)
      .u32(C.mode, 0o4755)
      .u32(C.flags, 0x100)
      .path(C.path, '/usr/bin/x', true);
    assert.deepEqual(ok(chmod.decode()), {
      ...HDR_EXPECT,
      type: 'chmod',
      syscall: 'fchmodat2',
      result: -1,
      path: '/usr/bin/x',
      pathTruncated: false,
      pathUnreadable: false,
      fd: null,
      dirfd: -100,
      mode: 0o4755,
      flags: 0x100,
    });
    const fchmod = new Rec(CHMOD, FileEventTypeId.chmod)
      .u32(C.syscall, FileSyscallId.fchmod)
      .u32(C.dirfd, -100)
      .u32(C.fd, 9)
      .u32(C.mode, 0o600)
      .path(C.path, '', true);
    const ev = ok(fchmod.decode());
    assert.ok(ev.type === 'chmod');
    assert.deepEqual([ev.syscall, ev.fd, ev.path, ev.mode], ['fchmod', 9, '', 0o600]);
  });

  it('decodes UTF-8 paths', () => {
    const ev = ok(openRec('/tmp/naïve ✓').decode());
    assert.ok(ev.type === 'open');
    assert.equal(ev.path, '/tmp/naïve ✓');
  });
});

describe('decodeFileRecord: malformed input', () => {
  it('a record shorter than the header, or past its batch, is an error', () => {
    const r = openRec();
    assert.deepEqual(r.decode(HEADER.size - 1), { error: 'record of 55 bytes is shorter than the header' });
    assert.deepEqual(decodeFileRecord(r.bytes, r.view, 0, r.bytes.length + 1, clock()), {
      error: `record of ${r.bytes.length + 1} bytes overruns its batch`,
    });
    assert.ok('error' in decodeFileRecord(r.bytes, r.view, -1, 10, clock()));
  });

  for (const [name, layout, id, last] of [
    ['open', OPEN, FileEventTypeId.open, O.path],
    ['unlink', UNLINK, FileEventTypeId.unlink, U.path],
    ['rename', RENAME, FileEventTypeId.rename, R.newpath],
    ['chmod', CHMOD, FileEventTypeId.chmod, C.path],
  ] as const) {
    it(`${name} record ending before its last path is an error naming the sizes`, () => {
      const r = new Rec(layout, id);
      assert.deepEqual(r.decode(last.offset), {
        error: `${name} record of ${last.offset} bytes, expected at least ${last.offset + 1}`,
      });
    });
  }

  it('an unknown type, or a syscall of another family, is an error', () => {
    for (const t of [0, 1, 14, 64, 0xffffffff]) {
      assert.deepEqual(new Rec(RENAME, t).decode(), { error: `unknown file event type ${t}` });
    }
    assert.deepEqual(openRec().u32(O.syscall, FileSyscallId.unlink).decode(), {
      error: `open record with unknown syscall ${FileSyscallId.unlink}`,
    });
    assert.deepEqual(openRec().u32(O.syscall, 0).decode(), { error: 'open record with unknown syscall 0' });
    const chmod = new Rec(CHMOD, FileEventTypeId.chmod).u32(C.syscall, 99);
    assert.deepEqual(chmod.decode(), { error: 'chmod record with unknown syscall 99' });
  });

  it('never throws on random bytes of random length (property)', () => {
    const typed = fc
      .tuple(
        fc.uint8Array({ maxLength: 700 }),
        fc.constantFrom(10, 11, 12, 13, 99),
        fc.integer({ min: 0, max: 14 }),
        fc.nat(32),
      )
      .map(([b, t, sys, pre]) => {
        const bytes = new Uint8Array(pre + b.length);
        bytes.set(b, pre);
        const v = new DataView(bytes.buffer);
        // Often a known type and syscall, so the per-type paths run too.
        if (t !== 99 && b.length >= 12) v.setUint32(pre + H.type.offset, t, true);
        if (b.length >= 68) v.setUint32(pre + O.syscall.offset, sys, true);
        return { bytes, off: pre };
      });
    fc.assert(
      fc.property(typed, fc.nat({ max: 40 }), ({ bytes, off }, cut) => {
        const size = Math.max(0, bytes.length - off - cut);
        const res = decodeFileRecord(bytes, new DataView(bytes.buffer), off, size, clock());
        if ('error' in res) {
          assert.equal(typeof res.error, 'string');
          return;
        }
        assert.ok((FILE_EVENT_TYPES as readonly string[]).includes(res.type));
        const paths = res.type === 'rename' ? [res.oldPath, res.newPath] : [res.path];
        for (const p of paths) assert.ok(utf8.encode(p).length <= PATH_MAX * 3);
      }),
      { numRuns: 1000 },
    );
  });
});
