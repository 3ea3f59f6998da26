/**
 * The double-buffered tables: a changed rule set is written to the inactive
 * buffer and switched in with one write; the old buffer is left intact for
 * program runs still reading it, and cleared only at the next change; a
 * window change flips active bytes in place.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompiledRule } from '../../../src/domain/enforce/policy/compiled.ts';
import { POLICY_MAX_RULES, POLICY_RULE } from '../../../src/domain/layout/policy-rules.ts';
import type { RawMap } from '../../../src/ebpf/index.ts';
import { encodeSlots, type IndexTable, syncTables } from '../../../src/enforce/policy/rule-tables.ts';

/** An in-memory map with the RawMap calls syncTables makes. */
function fakeMap(): RawMap & { data: Map<string, Uint8Array>; writes: string[] } {
  const data = new Map<string, Uint8Array>();
  const writes: string[] = [];
  const k = (b: Uint8Array): string => Array.from(b).join(',');
  return {
    data,
    writes,
    lookup: (key: Uint8Array) => data.get(k(key)),
    update: (key: Uint8Array, value: Uint8Array) => {
      writes.push(k(key));
      data.set(k(key), Uint8Array.from(value));
    },
    delete: (key: Uint8Array) => data.delete(k(key)),
    *keys() {
      for (const s of data.keys()) yield Uint8Array.from(s.split(',').map(Number));
    },
  } as unknown as RawMap & { data: Map<string, Uint8Array>; writes: string[] };
}

const rule = (id: number, active = true): CompiledRule => ({
  id,
  action: 1,
  protocol: 0,
  portLo: 0,
  portHi: 65535,
  uid: null,
  cgroup: null,
  active,
});

const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);

test('bit i of a rule set is slot i (little-endian u64 words)', () => {
  const b = encodeSlots([0, 9, 64, 255]);
  const v = new DataView(b.buffer);
  assert.equal(v.getBigUint64(0, true), (1n << 0n) | (1n << 9n));
  assert.equal(v.getBigUint64(8, true), 1n);
  assert.equal(v.getBigUint64(24, true), 1n << 63n);
});

test('swap to the inactive buffer, in place for windows, nothing when unchanged', () => {
  const t = { rules: fakeMap(), meta: fakeMap(), active: fakeMap(), rate: fakeMap(), settings: fakeMap() };
  const index = fakeMap();
  // Keys: [buf, tag]; entries for the current rule set.
  let tags: number[] = [1];
  const idx: IndexTable = {
    map: index,
    bufOf: (k) => k[0]!,
    entries: (buf) => tags.map((tag) => ({ key: Uint8Array.from([buf, tag]), slots: [0] })),
  };
  const activeBuf = (): number => t.active.data.get(Array.from(u32(0)).join(','))?.[0] ?? 0;

  const first = syncTables(t, { rules: [rule(1)], fingerprint: 11n }, [idx]);
  assert.deepEqual([first.mode, first.buffer], ['swapped', 1]);
  assert.equal(activeBuf(), 1);
  assert.equal(t.active.writes.length, 1, 'one write switches');

  tags = [2];
  const second = syncTables(t, { rules: [rule(1), rule(2)], fingerprint: 22n }, [idx]);
  assert.deepEqual([second.mode, second.buffer], ['swapped', 0]);
  assert.deepEqual(
    [...index.data.keys()].sort(),
    ['0,2', '1,1'],
    'the old set stays for runs still reading it',
  );

  tags = [3];
  syncTables(t, { rules: [rule(3)], fingerprint: 33n }, [idx]);
  assert.deepEqual([...index.data.keys()].sort(), ['0,2', '1,3'], 'cleared when its buffer is reused');

  const ruleWrites = t.rules.writes.length;
  const windows = syncTables(t, { rules: [rule(3, false)], fingerprint: 33n }, [idx]);
  assert.deepEqual([windows.mode, windows.buffer, windows.active], ['windows', 1, 0]);
  assert.equal(t.rules.writes.length, ruleWrites + 1, 'one rule flipped');
  const slot = Array.from(u32(1 * POLICY_MAX_RULES)).join(',');
  assert.equal(t.rules.data.get(slot)?.[POLICY_RULE.fields.active.offset], 0);
  assert.equal(syncTables(t, { rules: [rule(3, false)], fingerprint: 33n }, [idx]).mode, 'unchanged');
});
