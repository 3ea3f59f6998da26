import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BpfError } from '../../../src/ebpf/errors.ts';
import type { BpfObject } from '../../../src/ebpf/object.ts';
import { BpfObjectSpec } from '../../../src/ebpf/object.ts';
import { forEachRecord, type RecordBatch, RingBuffer, type RingOptions } from '../../../src/ebpf/ringbuf.ts';
import { MapType } from '../../../src/ebpf/types.ts';
import { FakeBridge, PAD_BYTE } from '../fake-bridge.ts';

const PATH = 'rb.bpf.o';

function load(): { bridge: FakeBridge; obj: BpfObject } {
  const bridge = new FakeBridge().addObject(PATH, {
    programs: [{ name: 'p' }],
    maps: [
      { name: 'events', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 1 << 20 },
      { name: 'counts', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 8 },
    ],
  });
  return { bridge, obj: BpfObjectSpec.open(PATH, { bridge }).load() };
}

/** Deterministic contents for record i of size n. */
function record(i: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, j) => (i * 31 + j * 7 + 1) & 0xff);
}

interface Seen {
  offset: number;
  size: number;
  data: Uint8Array;
}

/** Opens a consumer that copies every record out (the batch memory is reused). */
function collect(
  bridge: FakeBridge,
  obj: BpfObject,
  opts: RingOptions = {},
): { rb: RingBuffer; seen: Seen[]; batches: { length: number; count: number; buffer: ArrayBufferLike }[] } {
  const seen: Seen[] = [];
  const batches: { length: number; count: number; buffer: ArrayBufferLike }[] = [];
  const rb = RingBuffer.open(
    bridge,
    obj.map('events'),
    (b) => {
      batches.push({ length: b.length, count: b.count, buffer: b.bytes.buffer });
      assert.equal(b.view.buffer, b.bytes.buffer, 'view and bytes share the batch memory');
      forEachRecord(b, (view, offset, size) => {
        seen.push({ offset, size, data: new Uint8Array(view.buffer.slice(offset, offset + size)) });
      });
    },
    opts,
  );
  return { rb, seen, batches };
}

describe('RingBuffer: record framing', () => {
  it('gives each record its offset, size and bytes, sizes not multiple of 8 included', () => {
    const { bridge, obj } = load();
    const { rb, seen, batches } = collect(bridge, obj);
    const sizes = [1, 7, 8, 9, 0, 16, 17];
    sizes.forEach((n, i) => {
      bridge.pushRecord('events', record(i, n));
    });
    assert.equal(bridge.wake('events'), sizes.length);
    // u32 size | u32 reserved | data | pad to 8: offsets computed by hand.
    assert.deepEqual(
      seen.map((s) => [s.offset, s.size]),
      [
        [8, 1],
        [24, 7],
        [40, 8],
        [56, 9],
        [80, 0],
        [88, 16],
        [112, 17],
      ],
    );
    seen.forEach((s, i) => {
      assert.deepEqual(s.data, record(i, sizes[i]!));
    });
    assert.deepEqual(
      batches.map((b) => [b.length, b.count]),
      [[136, 7]],
    );
    const st = rb.stats();
    assert.equal(st.records, 7);
    assert.equal(st.bytes, 58);
    assert.equal(st.batches, 1);
    assert.equal(st.wakeups, 1);
    assert.equal(st.maxBatch, 7);
    assert.equal(st.handlerErrors, 0);
  });

  it('does not rely on zeroed padding', () => {
    const { bridge, obj } = load();
    let padding: number[] = [];
    RingBuffer.open(bridge, obj.map('events'), (b) => {
      padding = [...b.bytes.subarray(8 + 3, 16)];
    });
    bridge.pushRecord('events', Uint8Array.of(1, 2, 3));
    bridge.wake('events');
    // The fake fills padding with garbage, as a reused native buffer would hold.
    assert.deepEqual(padding, new Array(5).fill(PAD_BYTE));
  });

  it('splits a large backlog into batches within the byte budget, reusing one ArrayBuffer', () => {
    const { bridge, obj } = load();
    const { rb, seen, batches } = collect(bridge, obj, { batchBytes: 4096 });
    const sizes = Array.from({ length: 300 }, (_, i) => (i * 37) % 251);
    sizes.forEach((n, i) => {
      bridge.pushRecord('events', record(i, n));
    });
    let wakes = 0;
    while (bridge.map('events').pending.length > 0 && wakes < 1000) {
      bridge.wake('events');
      wakes++;
    }
    assert.ok(batches.length > 1, `expected several batches, got ${batches.length}`);
    assert.equal(new Set(batches.map((b) => b.buffer)).size, 1, 'the same ArrayBuffer every batch');
    assert.equal(bridge.rings('events')[0]!.buffersCreated, 1);
    for (const b of batches) assert.ok(b.length <= 4096 + 8 + 256, `batch of ${b.length} bytes`);
    assert.deepEqual(
      seen.map((s) => s.size),
      sizes,
    );
    seen.forEach((s, i) => {
      assert.deepEqual(s.data, record(i, sizes[i]!));
    });
    const st = rb.stats();
    assert.equal(st.records, 300);
    assert.equal(st.batches, batches.length);
    assert.equal(st.wakeups, wakes);
    assert.equal(st.maxBatch, Math.max(...batches.map((b) => b.count)));
  });

  it('follows the bridge to a new ArrayBuffer when a record outgrows the old one', () => {
    const { bridge, obj } = load();
    const { seen, batches } = collect(bridge, obj, { batchBytes: 4096 });
    bridge.pushRecord('events', record(0, 10));
    bridge.wake('events');
    bridge.pushRecord('events', record(1, 10_000));
    bridge.wake('events');
    bridge.pushRecord('events', record(2, 13));
    bridge.wake('events');
    assert.equal(bridge.rings('events')[0]!.buffersCreated, 2);
    assert.notEqual(batches[0]!.buffer, batches[1]!.buffer);
    assert.equal(batches[1]!.buffer, batches[2]!.buffer);
    assert.deepEqual(
      seen.map((s) => s.data),
      [record(0, 10), record(1, 10_000), record(2, 13)],
    );
  });

  it('delivers any mix of record sizes intact (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 80 }),
        fc.integer({ min: 4096, max: 9000 }),
        (records, batchBytes) => {
          const { bridge, obj } = load();
          const { seen } = collect(bridge, obj, { batchBytes });
          for (const r of records) bridge.pushRecord('events', r);
          for (let i = 0; i < 100 && bridge.map('events').pending.length > 0; i++) bridge.wake('events');
          assert.equal(seen.length, records.length);
          seen.forEach((s, i) => {
            assert.deepEqual(s.data, records[i]);
            assert.equal(s.offset % 8, 0);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('consume() drains synchronously and returns the record count', () => {
    const { bridge, obj } = load();
    const { rb, seen } = collect(bridge, obj);
    assert.equal(rb.consume(), 0);
    bridge.pushRecord('events', record(0, 5));
    bridge.pushRecord('events', record(1, 12));
    assert.equal(rb.consume(), 2);
    assert.equal(seen.length, 2);
    assert.equal(rb.stats().wakeups, 0, 'consume is not a wake-up');
  });
});

describe('RingBuffer: handler errors and close', () => {
  it('counts a throwing handler, passes the error to onError and keeps delivering', () => {
    const { bridge, obj } = load();
    const errors: unknown[] = [];
    const delivered: number[] = [];
    let calls = 0;
    const rb = RingBuffer.open(
      bridge,
      obj.map('events'),
      (b) => {
        calls++;
        delivered.push(b.count);
        if (calls === 1) throw new Error('decoder blew up');
      },
      { onError: (e) => errors.push(e) },
    );
    bridge.pushRecord('events', record(0, 8));
    bridge.wake('events');
    bridge.pushRecord('events', record(1, 8));
    bridge.pushRecord('events', record(2, 8));
    bridge.wake('events');
    assert.deepEqual(delivered, [1, 2]);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof Error && errors[0].message === 'decoder blew up');
    const st = rb.stats();
    assert.equal(st.handlerErrors, 1);
    assert.equal(bridge.rings('events')[0]!.stats.callbackErrors, 0, 'nothing escaped to the bridge');
    assert.equal(st.records, 3);
    assert.deepEqual(bridge.uncaught, []);
  });

  it('without onError a throwing handler is still contained and counted', () => {
    const { bridge, obj } = load();
    const rb = RingBuffer.open(bridge, obj.map('events'), () => {
      throw new TypeError('x');
    });
    for (let i = 0; i < 3; i++) {
      bridge.pushRecord('events', record(i, 4));
      bridge.wake('events');
    }
    assert.equal(rb.stats().handlerErrors, 3);
    assert.deepEqual(bridge.uncaught, []);
  });

  it('close() inside the handler stops delivery safely', () => {
    const { bridge, obj } = load();
    let calls = 0;
    const rb: RingBuffer = RingBuffer.open(bridge, obj.map('events'), () => {
      calls++;
      rb.close();
      rb.close();
    });
    bridge.pushRecord('events', record(0, 8));
    bridge.wake('events');
    assert.equal(calls, 1);
    assert.equal(rb.closed, true);
    assert.equal(bridge.rings('events')[0]!.closed, true);
    bridge.pushRecord('events', record(1, 8));
    assert.equal(bridge.wake('events'), 0);
    assert.equal(rb.consume(), 0);
    assert.equal(calls, 1);
    assert.deepEqual(bridge.uncaught, []);
    const err = (() => {
      try {
        rb.stats();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof BpfError && err.code === 'EBADF');
  });

  it('close() in a mid-drain delivery drops the rest of that drain', () => {
    const { bridge, obj } = load();
    const seen: number[] = [];
    const rb: RingBuffer = RingBuffer.open(
      bridge,
      obj.map('events'),
      (b) => {
        forEachRecord(b, (_v, _o, size) => seen.push(size));
        rb.close();
      },
      { batchBytes: 4096 },
    );
    // The second record does not fit beside the first: the bridge delivers
    // the first mid-drain, and the handler closes the consumer there.
    bridge.pushRecord('events', record(0, 4000));
    bridge.pushRecord('events', record(1, 5000));
    bridge.pushRecord('events', record(2, 10));
    bridge.wake('events');
    assert.deepEqual(seen, [4000]);
    assert.equal(rb.closed, true);
    assert.equal(bridge.rings('events')[0]!.closed, true);
    assert.deepEqual(bridge.uncaught, []);
  });

  it('close() outside the handler is idempotent', () => {
    const { bridge, obj } = load();
    const rb = RingBuffer.open(bridge, obj.map('events'), () => {});
    rb.close();
    rb.close();
    assert.equal(bridge.calls.filter((c) => c === 'ringbufClose').length, 1);
  });
});

describe('RingBuffer.open: errors', () => {
  it('refuses a map that is not a ring buffer with EINVAL, without asking the bridge', () => {
    const { bridge, obj } = load();
    let err: unknown;
    try {
      RingBuffer.open(bridge, obj.map('counts'), () => {});
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof BpfError);
    assert.equal(err.code, 'EINVAL');
    assert.equal(err.message, `map counts is not a ring buffer (type ${MapType.HASH})`);
    assert.ok(!bridge.calls.includes('ringbufOpen'));
  });

  it('passes bridge failures through with the map name', () => {
    const { bridge, obj } = load();
    let err: unknown;
    try {
      RingBuffer.open(bridge, obj.map('events'), () => {}, { batchBytes: 100 });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof BpfError);
    assert.equal(err.code, 'EINVAL');
    assert.equal(err.message, 'open ring buffer events: batch bytes must be an integer >= 4096');
  });
});

describe('forEachRecord', () => {
  it('walks exactly count records of a hand-built batch', () => {
    const buf = new ArrayBuffer(64);
    const view = new DataView(buf);
    view.setUint32(0, 3, true);
    view.setUint32(16, 12, true);
    view.setUint32(40, 999, true); // beyond count: must not be visited
    const batch: RecordBatch = { view, bytes: new Uint8Array(buf), length: 40, count: 2 };
    const got: [number, number][] = [];
    forEachRecord(batch, (_v, off, size) => got.push([off, size]));
    assert.deepEqual(got, [
      [8, 3],
      [24, 12],
    ]);
  });
});
