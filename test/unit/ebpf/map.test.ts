import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bytes, type Codec, cstring, u32, u64, u64n } from '../../../src/ebpf/codec.ts';
import { BpfError } from '../../../src/ebpf/errors.ts';
import { sumPerCpu } from '../../../src/ebpf/map.ts';
import { type BpfObject, BpfObjectSpec } from '../../../src/ebpf/object.ts';
import { MapType, UpdateFlags } from '../../../src/ebpf/types.ts';
import { FakeBridge, type FakeObjectSpec } from '../fake-bridge.ts';

const PATH = 'maps.bpf.o';

const SPEC: FakeObjectSpec = {
  programs: [{ name: 'p' }],
  maps: [
    { name: 'counts', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 4 },
    { name: 'big', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 64 },
    { name: 'names', type: MapType.HASH, keySize: 16, valueSize: 4, maxEntries: 64 },
    { name: 'blobs', type: MapType.HASH, keySize: 4, valueSize: 6, maxEntries: 64 },
    { name: 'arr', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 3 },
    { name: 'pcpu', type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 },
    { name: 'pcpu32', type: MapType.PERCPU_HASH, keySize: 4, valueSize: 4, maxEntries: 16 },
    { name: 'events', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 },
  ],
};

function load(cpus = 2): { bridge: FakeBridge; obj: BpfObject } {
  const bridge = new FakeBridge({ cpus }).addObject(PATH, SPEC);
  return { bridge, obj: BpfObjectSpec.open(PATH, { bridge }).load() };
}

function catchBpf(fn: () => unknown): BpfError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BpfError, `expected a BpfError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a BpfError, nothing was thrown');
}

function le32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function le64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

describe('BpfMap: typed round trips', () => {
  it('u32 -> u64n: set, get, overwrite, delete, keys and entries', () => {
    const { bridge, obj } = load();
    const m = obj.typedMap('counts', u32, u64n);
    assert.equal(m.get(1), undefined);
    m.set(1, 10);
    m.set(7, 2 ** 40 + 3);
    m.set(3, 0);
    assert.equal(m.get(1), 10);
    assert.equal(m.get(7), 2 ** 40 + 3);
    assert.equal(m.get(3), 0);
    m.set(1, 11);
    assert.equal(m.get(1), 11);
    // Bytes reach the map little-endian.
    assert.deepEqual(bridge.map('counts').entries.get('07000000')?.value, le64(2n ** 40n + 3n));
    assert.deepEqual([...m.keys()], [1, 7, 3]);
    assert.deepEqual(
      [...m.entries()],
      [
        [1, 11],
        [7, 2 ** 40 + 3],
        [3, 0],
      ],
    );
    assert.equal(m.delete(7), true);
    assert.equal(m.delete(7), false);
    assert.equal(m.get(7), undefined);
    assert.deepEqual([...m.keys()], [1, 3]);
  });

  it('u32 -> u64 (bigint) keeps all 64 bits', () => {
    const { obj } = load();
    const m = obj.typedMap('big', u32, u64);
    const values = [0n, 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 64n - 1n];
    values.forEach((v, i) => {
      m.set(i, v);
    });
    values.forEach((v, i) => {
      assert.equal(m.get(i), v);
    });
    assert.deepEqual(
      [...m.entries()].map(([, v]) => v),
      values,
    );
  });

  it('cstring keys are NUL-padded and come back as strings', () => {
    const { bridge, obj } = load();
    const m = obj.typedMap('names', cstring(16), u32);
    m.set('bash', 1);
    m.set('systemd-journal', 2); // 15 bytes + NUL: the longest that fits
    m.set('héllo', 3);
    assert.equal(m.get('bash'), 1);
    assert.equal(m.get('systemd-journal'), 2);
    assert.equal(m.get('héllo'), 3);
    assert.equal(m.get('bas'), undefined);
    assert.deepEqual([...m.keys()], ['bash', 'systemd-journal', 'héllo']);
    const raw = [...bridge.map('names').entries.values()][0]!.key;
    assert.deepEqual([...raw], [0x62, 0x61, 0x73, 0x68, ...new Array(12).fill(0)]);
    assert.throws(() => m.set('systemd-journald', 4), /string longer than 15 bytes/);
  });

  it('bytes values round trip, are copies, and must have the codec size', () => {
    const { bridge, obj } = load();
    const m = obj.typedMap('blobs', u32, bytes(6));
    m.set(5, Uint8Array.of(1, 2, 3, 4, 5, 6));
    const got = m.get(5)!;
    assert.deepEqual([...got], [1, 2, 3, 4, 5, 6]);
    got[0] = 99;
    assert.deepEqual([...m.get(5)!], [1, 2, 3, 4, 5, 6], 'a returned value does not alias the map');
    assert.deepEqual([...bridge.map('blobs').entries.get('05000000')!.value], [1, 2, 3, 4, 5, 6]);
    assert.throws(() => m.set(6, Uint8Array.of(1, 2)), /expected 6 bytes, got 2/);
    assert.equal(m.get(6), undefined);
  });

  it('update flags: NOEXIST on a present key and EXIST on an absent key fail with their errno', () => {
    const { obj } = load();
    const m = obj.typedMap('counts', u32, u64n);
    m.set(1, 1);
    const exists = catchBpf(() => m.set(1, 2, UpdateFlags.NOEXIST));
    assert.equal(exists.code, 'EEXIST');
    assert.match(exists.message, /^map counts: update: /);
    assert.equal(m.get(1), 1);
    assert.equal(catchBpf(() => m.set(2, 2, UpdateFlags.EXIST)).code, 'ENOENT');
    assert.equal(m.get(2), undefined);
    m.set(1, 5, UpdateFlags.EXIST);
    m.set(2, 6, UpdateFlags.NOEXIST);
    assert.deepEqual(
      [...m.entries()],
      [
        [1, 5],
        [2, 6],
      ],
    );
  });

  it('a full hash map rejects a new key with E2BIG but still updates existing ones', () => {
    const { obj } = load();
    const m = obj.typedMap('counts', u32, u64n);
    for (let i = 0; i < 4; i++) m.set(i, i);
    assert.equal(catchBpf(() => m.set(9, 9)).code, 'E2BIG');
    m.set(0, 100);
    assert.equal(m.get(0), 100);
  });

  it('deleting every key while iterating empties the map', () => {
    const { obj } = load();
    const m = obj.typedMap('big', u32, u64);
    for (let i = 0; i < 10; i++) m.set(i * 3, BigInt(i));
    const seen: number[] = [];
    for (const k of m.keys()) {
      seen.push(k);
      assert.equal(m.delete(k), true);
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 10 }, (_, i) => i * 3),
    );
    assert.deepEqual([...m.keys()], []);
  });

  it('array maps: every index exists (zeroed), out-of-range is absent, delete is refused', () => {
    const { obj } = load();
    const m = obj.typedMap('arr', u32, u64n);
    assert.equal(m.get(0), 0);
    assert.equal(m.get(2), 0);
    assert.equal(m.get(3), undefined);
    m.set(1, 42);
    assert.deepEqual(
      [...m.entries()],
      [
        [0, 0],
        [1, 42],
        [2, 0],
      ],
    );
    assert.equal(catchBpf(() => m.delete(1)).code, 'EINVAL');
    assert.equal(catchBpf(() => m.set(3, 1)).code, 'E2BIG');
  });

  it('a ring buffer map has no elements to iterate', () => {
    const { obj } = load();
    const rb = obj.map('events');
    assert.equal(catchBpf(() => [...rb.keys()]).code, 'EINVAL');
  });

  it('a lookup error other than ENOENT is thrown with the map name', () => {
    const { bridge, obj } = load();
    const m = obj.typedMap('counts', u32, u64n);
    bridge.failNext('mapLookup', 1, 'map lookup failed: Operation not permitted');
    const err = catchBpf(() => m.get(1));
    assert.equal(err.code, 'EPERM');
    assert.match(err.message, /^map counts: lookup: map lookup failed: Operation not permitted/);
    bridge.failNext('mapNextKey', 22, 'map iteration: Invalid argument');
    assert.equal(catchBpf(() => [...m.keys()]).code, 'EINVAL');
  });
});

describe('BpfMap: codec sizes', () => {
  it('rejects a value codec of another size, naming both sizes', () => {
    const { obj } = load();
    const err = catchBpf(() => obj.typedMap('counts', u32, u32));
    assert.equal(err.code, 'EINVAL');
    assert.equal(err.message, 'map counts: value codec is 4 bytes, map values are 8');
  });

  it('rejects a key codec of another size, naming both sizes', () => {
    const { obj } = load();
    const err = catchBpf(() => obj.typedMap('names', cstring(15), u32));
    assert.equal(err.code, 'EINVAL');
    assert.equal(err.message, 'map names: key codec is 15 bytes, map keys are 16');
  });

  it('checks per-CPU maps against the value size, not the per-CPU buffer size', () => {
    const { obj } = load(4);
    const raw = obj.map('pcpu32');
    assert.equal(raw.valueBytes, 32);
    assert.ok(obj.typedMap('pcpu32', u32, u32));
    const err = catchBpf(() => obj.typedMap('pcpu32', u32, bytes(32)));
    assert.equal(err.message, 'map pcpu32: value codec is 32 bytes, map values are 4');
  });
});

describe('BpfMap: per-CPU values', () => {
  for (const cpus of [2, 4]) {
    it(`getPerCpu and sumPerCpu with ${cpus} possible CPUs (u64 values)`, () => {
      const { bridge, obj } = load(cpus);
      const m = obj.typedMap('pcpu', u32, u64n);
      assert.equal(m.raw.cpus, cpus);
      assert.equal(m.raw.valueBytes, 8 * cpus);
      const values = Array.from({ length: cpus }, (_, c) => (c + 1) * 2 ** 33 + c);
      bridge.setPerCpu(
        'pcpu',
        le32(1),
        values.map((v) => le64(BigInt(v))),
      );
      assert.deepEqual(m.getPerCpu(1), values);
      assert.equal(
        sumPerCpu(m, 1),
        values.reduce((a, b) => a + b, 0),
      );
      assert.equal(m.get(1), values[0], 'get() reads CPU 0');
      // An untouched index of an array: zero on every CPU.
      assert.deepEqual(m.getPerCpu(2), new Array(cpus).fill(0));
      assert.equal(sumPerCpu(m, 2), 0);
      // Out of range: absent.
      assert.equal(m.getPerCpu(4), undefined);
      assert.equal(sumPerCpu(m, 4), 0);
    });

    it(`4-byte per-CPU values sit in 8-byte slots (${cpus} CPUs)`, () => {
      const { bridge, obj } = load(cpus);
      const m = obj.typedMap('pcpu32', u32, u32);
      assert.equal(m.raw.valueBytes, 8 * cpus);
      // Fill the blob by hand with garbage in every slot's padding.
      const blob = new Uint8Array(8 * cpus).fill(0xff);
      const dv = new DataView(blob.buffer);
      for (let c = 0; c < cpus; c++) dv.setUint32(c * 8, 100 + c, true);
      bridge.map('pcpu32').entries.set('07000000', { key: le32(7), value: blob });
      const expected = Array.from({ length: cpus }, (_, c) => 100 + c);
      assert.deepEqual(m.getPerCpu(7), expected);
      assert.equal(
        sumPerCpu(m, 7),
        expected.reduce((a, b) => a + b, 0),
      );
      assert.equal(m.getPerCpu(8), undefined);
      assert.equal(sumPerCpu(m, 8), 0);
    });

    it(`set() on a per-CPU map writes the value into every CPU slot (${cpus} CPUs)`, () => {
      const { bridge, obj } = load(cpus);
      const m = obj.typedMap('pcpu32', u32, u32);
      m.set(3, 0xabcd);
      const stored = bridge.map('pcpu32').entries.get('03000000')!.value;
      assert.equal(stored.length, 8 * cpus);
      const dv = new DataView(stored.buffer, stored.byteOffset);
      for (let c = 0; c < cpus; c++) assert.equal(dv.getUint32(c * 8, true), 0xabcd);
      assert.deepEqual(m.getPerCpu(3), new Array(cpus).fill(0xabcd));
      assert.equal(sumPerCpu(m, 3), 0xabcd * cpus);
      assert.deepEqual([...m.entries()], [[3, 0xabcd]]);
    });
  }
});

describe('codecs: properties', () => {
  function roundTrip<T>(codec: Codec<T>, v: T, dirty = false): T {
    const b = new Uint8Array(codec.size);
    if (dirty) b.fill(0xff);
    codec.encode(v, b);
    return codec.decode(b);
  }

  it('u32: decode(encode(x)) === x', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (x) => roundTrip(u32, x) === x));
  });

  it('u64: decode(encode(x)) === x for every 64-bit bigint', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (x) => roundTrip(u64, x) === x));
  });

  it('u64n: decode(encode(x)) === x below 2^53, and agrees with u64', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (x) => {
        const b = new Uint8Array(8);
        u64n.encode(x, b);
        return u64n.decode(b) === x && u64.decode(b) === BigInt(x);
      }),
    );
  });

  it('cstring: ASCII strings within the size round trip, even into a dirty buffer', () => {
    const c = cstring(16);
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii', maxLength: 15 }).filter((s) => !s.includes('\0')),
        fc.boolean(),
        (s, dirty) => roundTrip(c, s, dirty) === s,
      ),
    );
  });

  it('cstring: UTF-8 strings that fit round trip; longer ones are rejected', () => {
    const c = cstring(16);
    const enc = new TextEncoder();
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0')),
        (s) => {
          if (enc.encode(s).length < 16) return roundTrip(c, s, true) === s;
          assert.throws(() => roundTrip(c, s), RangeError);
          return true;
        },
      ),
    );
  });

  it('a hash map behaves like a JS Map under random set/delete sequences', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        k: fc.integer({ min: 0, max: 20 }),
        v: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      }),
      fc.record({ kind: fc.constant('del' as const), k: fc.integer({ min: 0, max: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { obj } = load();
        const m = obj.typedMap('big', u32, u64);
        const model = new Map<number, bigint>();
        for (const o of ops) {
          if (o.kind === 'set') {
            m.set(o.k, o.v);
            model.set(o.k, o.v);
          } else {
            assert.equal(m.delete(o.k), model.delete(o.k));
          }
        }
        assert.deepEqual(new Map(m.entries()), model);
        for (let k = 0; k <= 20; k++) assert.equal(m.get(k), model.get(k));
      }),
      { numRuns: 200 },
    );
  });
});
