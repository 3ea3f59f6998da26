/**
 * The decoders' record layouts must match the C structs as compiled: this
 * reads each struct from the BPF object's BTF and compares every member's
 * offset and size, and the struct size. Moving a field in events.h without
 * updating its layout.ts (src/families/<name>/) fails here.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { POLICY_LAYOUTS } from '../../src/domain/layout/policy-record.ts';
import { EGRESS_MAP_LAYOUTS, EXEC_MAP_LAYOUTS } from '../../src/domain/layout/policy-rules.ts';
import type { StructLayout } from '../../src/domain/layout/struct.ts';
import { BpfObjectSpec } from '../../src/ebpf/index.ts';
import { DNS_LAYOUTS } from '../../src/families/dns/layout.ts';
import { DROP_LAYOUTS } from '../../src/families/drop/layout.ts';
import { FILE_LAYOUTS } from '../../src/families/file/layout.ts';
import { NET_LAYOUTS } from '../../src/families/net/layout.ts';
import { PROCESS_LAYOUTS } from '../../src/families/process/layout.ts';
import { bpfObjectPath } from '../../src/host/paths.ts';

const OBJECTS: readonly { object: string; layouts: readonly StructLayout[] }[] = [
  { object: 'process', layouts: PROCESS_LAYOUTS },
  { object: 'drop', layouts: DROP_LAYOUTS },
  { object: 'dns', layouts: DNS_LAYOUTS },
  { object: 'file', layouts: FILE_LAYOUTS },
  { object: 'net', layouts: NET_LAYOUTS },
  { object: 'egress', layouts: [...POLICY_LAYOUTS, ...EGRESS_MAP_LAYOUTS] },
  { object: 'exec_policy', layouts: [...POLICY_LAYOUTS, ...EXEC_MAP_LAYOUTS] },
];

function built(name: string): string | false {
  if (existsSync(bpfObjectPath(name))) return false;
  const why = `${bpfObjectPath(name)} is not built (npm run build:bpf)`;
  if (process.env.BPFWARDEN_REQUIRE_KERNEL === '1') throw new Error(why);
  return why;
}

for (const { object, layouts } of OBJECTS) {
  describe(`BTF layout of ${object}.bpf.o`, { skip: built(object) }, () => {
    for (const layout of layouts) {
      test(`struct ${layout.name} matches its decoder layout`, () => {
        const spec = BpfObjectSpec.open(bpfObjectPath(object));
        try {
          const btf = spec.btfStruct(layout.name);
          const fromBtf = Object.fromEntries(
            btf.members.map((m) => [m.name, { offset: m.offset, size: m.size }]),
          );
          assert.deepEqual(
            layout.fields,
            fromBtf,
            `members of ${layout.name} (offset, size) differ from BTF`,
          );
          assert.equal(layout.size, btf.size, `size of ${layout.name}`);
          assert.ok(
            btf.members.every((m) => m.bitSize === 0),
            'no bitfields in records',
          );
        } finally {
          spec.close();
        }
      });
    }
  });
}
