/** The reconcile compute: table-driven cases per drift kind, and properties over random drift. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Action } from '../../../src/domain/manager/actions.ts';
import { describeAction } from '../../../src/domain/manager/actions.ts';
import type {
  ManagedLink,
  ManagedState,
  Observation,
  ObservedPin,
} from '../../../src/domain/manager/model.ts';
import { computeReconcile } from '../../../src/domain/manager/reconcile.ts';

const R = '/sys/fs/bpf/bw';
const progPin = (o: number, n: string): string => `${R}/objects/${o}/progs/${n}`;
const mapPin = (o: number, n: string): string => `${R}/objects/${o}/maps/${n}`;
const linkPin = (l: number): string => `${R}/links/${l}`;

/** Object 1 (program 1 "count_exec", map 1) with a tracepoint link 1 and a tc link 2. */
function baseState(): ManagedState {
  return {
    objects: [{ id: 1, name: 'mgr', path: '/opt/mgr.o', sha256: 'abc' }],
    programs: [
      { id: 1, objectId: 1, name: 'count_exec', kernelId: 100, tag: 't1', pin: progPin(1, 'count_exec') },
    ],
    maps: [{ id: 1, objectId: 1, name: 'counter', kernelId: 50, pin: mapPin(1, 'counter') }],
    links: [
      {
        id: 1,
        programId: 1,
        spec: { kind: 'tracepoint', category: 'sched', name: 'x' },
        kernelId: 900,
        pin: linkPin(1),
      },
      {
        id: 2,
        programId: 1,
        spec: { kind: 'tc', iface: 'veth0', direction: 'ingress', priority: 1, handle: 1 },
        kernelId: undefined,
        pin: undefined,
      },
    ],
  };
}

/** The observation that matches the state exactly. */
function healthy(state: ManagedState): Observation {
  const pins = new Map<string, ObservedPin>();
  for (const p of state.programs) pins.set(p.pin, { kind: 'prog', id: p.kernelId });
  for (const m of state.maps) pins.set(m.pin, { kind: 'map', id: m.kernelId });
  for (const l of state.links) if (l.pin && l.kernelId) pins.set(l.pin, { kind: 'link', id: l.kernelId });
  const programs = new Map(
    state.programs.map((p) => [p.kernelId, { name: p.name.slice(0, 15), tag: p.tag }]),
  );
  const maps = new Map(state.maps.map((m) => [m.kernelId, { name: m.name }]));
  const links = new Map<number, { progId: number; detached: boolean }>();
  const tc = new Map<number, { ifaceExists: boolean; progId: number | undefined }>();
  for (const l of state.links) {
    const p = state.programs.find((x) => x.id === l.programId);
    if (l.kernelId) links.set(l.kernelId, { progId: p?.kernelId ?? 0, detached: false });
    if (l.spec.kind === 'tc') tc.set(l.id, { ifaceExists: true, progId: p?.kernelId });
  }
  const objectFiles = new Map(state.objects.map((o) => [o.id, 'ok' as const]));
  return { pins, programs, maps, links, tc, objectFiles };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Writable<T> = {
  -readonly [K in keyof T]: T[K] extends ReadonlyMap<infer A, infer B> ? Map<A, B> : T[K];
};
function drift(state: ManagedState, f: (o: Writable<Observation>) => void): Observation {
  const o = healthy(state);
  const copy = {
    pins: new Map(o.pins),
    programs: new Map(o.programs),
    maps: new Map(o.maps),
    links: new Map(o.links),
    tc: new Map(o.tc),
    objectFiles: new Map(o.objectFiles),
  };
  f(copy);
  return copy;
}

const types = (as: Action[]): string[] => as.map((a) => a.type);

const cases: { name: string; obs: (s: ManagedState) => Observation; want: string[] }[] = [
  { name: 'everything in place: nothing to do', obs: healthy, want: [] },
  {
    name: 'program pin removed by hand while links hold it: repin',
    obs: (s) => drift(s, (o) => o.pins.delete(progPin(1, 'count_exec'))),
    want: ['repin-program'],
  },
  {
    name: 'map pin removed by hand: repin',
    obs: (s) => drift(s, (o) => o.pins.delete(mapPin(1, 'counter'))),
    want: ['repin-map'],
  },
  {
    name: 'program pin holds another program: update the record',
    obs: (s) => drift(s, (o) => o.pins.set(progPin(1, 'count_exec'), { kind: 'prog', id: 101 })),
    // The links now run the old program 100, the record says 101: both re-attach.
    want: ['update-program', 'reattach-link', 'reattach-link'],
  },
  {
    name: 'after a reboot (no pins, no programs): reload the object and re-attach every link',
    obs: (s) =>
      drift(s, (o) => {
        o.pins.clear();
        o.programs.clear();
        o.maps.clear();
        o.links.clear();
        o.tc.set(2, { ifaceExists: true, progId: undefined });
      }),
    want: ['reload-object', 'reattach-link', 'reattach-link'],
  },
  {
    name: 'program removed by someone else and the object file is gone: forget it',
    obs: (s) =>
      drift(s, (o) => {
        o.pins.delete(progPin(1, 'count_exec'));
        o.programs.delete(100);
        o.objectFiles.set(1, 'missing');
      }),
    want: ['forget-object'],
  },
  {
    name: 'object file changed: forget rather than load something else',
    obs: (s) =>
      drift(s, (o) => {
        o.pins.clear();
        o.programs.clear();
        o.objectFiles.set(1, 'changed');
      }),
    want: ['forget-object'],
  },
  {
    name: 'a program id reused by another program is not mistaken for ours',
    obs: (s) =>
      drift(s, (o) => {
        o.pins.delete(progPin(1, 'count_exec'));
        o.programs.set(100, { name: 'other', tag: 'zz' });
      }),
    want: ['reload-object', 'reattach-link', 'reattach-link'],
  },
  {
    name: 'link unpinned and released: reattach',
    obs: (s) =>
      drift(s, (o) => {
        o.pins.delete(linkPin(1));
        o.links.delete(900);
      }),
    want: ['reattach-link'],
  },
  {
    name: 'link unpinned but still held by an fd: repin',
    obs: (s) => drift(s, (o) => o.pins.delete(linkPin(1))),
    want: ['repin-link'],
  },
  {
    name: 'link detached by hand while pinned: reattach',
    obs: (s) => drift(s, (o) => o.links.set(900, { progId: 100, detached: true })),
    want: ['reattach-link'],
  },
  {
    name: 'tc filter deleted by hand: reattach',
    obs: (s) => drift(s, (o) => o.tc.set(2, { ifaceExists: true, progId: undefined })),
    want: ['reattach-link'],
  },
  {
    name: 'tc interface gone: report only',
    obs: (s) => drift(s, (o) => o.tc.set(2, { ifaceExists: false, progId: undefined })),
    want: ['report-drift'],
  },
  {
    name: 'pins without records (a row deleted): remove them',
    obs: (s) =>
      drift(s, (o) => {
        o.pins.set(linkPin(7), { kind: 'link', id: 901 });
        o.pins.set(`${R}/objects/9/progs/x`, { kind: 'prog', id: 555 });
      }),
    want: ['remove-stray-pin', 'remove-stray-pin'],
  },
];

for (const c of cases) {
  test(`reconcile: ${c.name}`, () => {
    const s = baseState();
    const actions = computeReconcile(s, c.obs(s));
    assert.deepEqual(types(actions), c.want, actions.map(describeAction).join('\n'));
    for (const a of actions) assert.ok(describeAction(a).length > 0);
  });
}

test('reconcile: a link record whose program has no record is reported', () => {
  const s = baseState();
  const orphan: ManagedLink = {
    id: 5,
    programId: 42,
    spec: { kind: 'raw_tracepoint', name: 'x' },
    kernelId: 1,
    pin: linkPin(5),
  };
  const state = { ...s, links: [...s.links, orphan] };
  const actions = computeReconcile(state, healthy(s));
  assert.deepEqual(types(actions), ['report-drift']);
});

// ---- properties ------------------------------------------------------------

const arbState: fc.Arbitrary<ManagedState> = fc
  .record({
    objects: fc.integer({ min: 1, max: 3 }),
    progsPer: fc.integer({ min: 1, max: 3 }),
    linkKinds: fc.array(fc.constantFrom('tracepoint', 'xdp', 'tc'), { maxLength: 6 }),
  })
  .map(({ objects, progsPer, linkKinds }) => {
    const state: Mutable<ManagedState> = { objects: [], programs: [], maps: [], links: [] };
    let pid = 1;
    for (let o = 1; o <= objects; o++) {
      state.objects = [...state.objects, { id: o, name: `o${o}`, path: `/opt/o${o}.o`, sha256: 'h' }];
      state.maps = [
        ...state.maps,
        { id: o, objectId: o, name: 'counter', kernelId: 500 + o, pin: mapPin(o, 'counter') },
      ];
      for (let i = 0; i < progsPer; i++, pid++) {
        state.programs = [
          ...state.programs,
          {
            id: pid,
            objectId: o,
            name: `p${pid}`,
            kernelId: 100 + pid,
            tag: `t${pid}`,
            pin: progPin(o, `p${pid}`),
          },
        ];
      }
    }
    state.links = linkKinds.map((kind, i): ManagedLink => {
      const programId = (i % state.programs.length) + 1;
      const id = i + 1;
      return kind === 'tc'
        ? {
            id,
            programId,
            spec: { kind: 'tc', iface: 'v', direction: 'ingress', priority: id, handle: 1 },
            kernelId: undefined,
            pin: undefined,
          }
        : {
            id,
            programId,
            spec: { kind: 'raw_tracepoint', name: 'x' },
            kernelId: 900 + id,
            pin: linkPin(id),
          };
    });
    return state;
  });

const arbDrift = fc.record({
  dropPins: fc.array(fc.nat(), { maxLength: 5 }),
  dropPrograms: fc.array(fc.nat(), { maxLength: 3 }),
  dropLinks: fc.array(fc.nat(), { maxLength: 3 }),
  detach: fc.array(fc.nat(), { maxLength: 3 }),
  tcGone: fc.array(fc.nat(), { maxLength: 3 }),
  stray: fc.array(fc.integer({ min: 50, max: 60 }), { maxLength: 3 }),
  fileMissing: fc.boolean(),
});

type Drift = typeof arbDrift extends fc.Arbitrary<infer T> ? T : never;

function applyDrift(state: ManagedState, d: Drift): Observation {
  return drift(state, (o) => {
    const pins = [...o.pins.keys()];
    for (const i of d.dropPins) if (pins.length) o.pins.delete(pins[i % pins.length] as string);
    const progs = [...o.programs.keys()];
    for (const i of d.dropPrograms) {
      if (!progs.length) continue;
      const id = progs[i % progs.length] as number;
      o.programs.delete(id);
      for (const [path, pin] of o.pins) if (pin.kind === 'prog' && pin.id === id) o.pins.delete(path);
    }
    const links = [...o.links.keys()];
    for (const i of d.dropLinks) if (links.length) o.links.delete(links[i % links.length] as number);
    for (const i of d.detach) {
      if (!links.length) continue;
      const id = links[i % links.length] as number;
      const l = o.links.get(id);
      if (l) o.links.set(id, { ...l, detached: true });
    }
    const tcs = [...o.tc.keys()];
    for (const i of d.tcGone)
      if (tcs.length) o.tc.set(tcs[i % tcs.length] as number, { ifaceExists: true, progId: undefined });
    for (const n of d.stray) o.pins.set(linkPin(n), { kind: 'link', id: 7000 + n });
    if (d.fileMissing) for (const k of o.objectFiles.keys()) o.objectFiles.set(k, 'missing');
  });
}

test('property: a consistent kernel needs no action', () => {
  fc.assert(fc.property(arbState, (s) => computeReconcile(s, healthy(s)).length === 0));
});

test('property: the compute is deterministic and never touches a pin a record names', () => {
  fc.assert(
    fc.property(arbState, arbDrift, (s, d) => {
      const obs = applyDrift(s, d);
      const a = computeReconcile(s, obs);
      assert.deepEqual(a, computeReconcile(s, obs));
      const named = new Set([
        ...s.programs.map((p) => p.pin),
        ...s.maps.map((m) => m.pin),
        ...s.links.flatMap((l) => l.pin ?? []),
      ]);
      for (const x of a) if (x.type === 'remove-stray-pin') assert.ok(!named.has(x.path), x.path);
    }),
  );
});

test('property: every action names a record or an observed pin; each link gets at most one link action', () => {
  fc.assert(
    fc.property(arbState, arbDrift, (s, d) => {
      const obs = applyDrift(s, d);
      const a = computeReconcile(s, obs);
      const seen = new Map<number, number>();
      for (const x of a) {
        if (x.type === 'reattach-link' || x.type === 'repin-link') {
          assert.ok(s.links.some((l) => l.id === x.linkId));
          seen.set(x.linkId, (seen.get(x.linkId) ?? 0) + 1);
        }
        if (x.type === 'repin-program' || x.type === 'update-program')
          assert.ok(s.programs.some((p) => p.id === x.programId));
        if (x.type === 'reload-object' || x.type === 'forget-object')
          assert.ok(s.objects.some((o) => o.id === x.objectId));
        if (x.type === 'remove-stray-pin') assert.ok(obs.pins.has(x.path));
      }
      for (const n of seen.values()) assert.equal(n, 1);
    }),
  );
});

test('property: after a reboot every object is reloaded (file present) or forgotten (file missing), never both', () => {
  fc.assert(
    fc.property(arbState, fc.boolean(), (s, missing) => {
      const obs = drift(s, (o) => {
        o.pins.clear();
        o.programs.clear();
        o.maps.clear();
        o.links.clear();
        for (const k of o.tc.keys()) o.tc.set(k, { ifaceExists: true, progId: undefined });
        if (missing) for (const k of o.objectFiles.keys()) o.objectFiles.set(k, 'missing');
      });
      const a = computeReconcile(s, obs);
      const reload = a.filter((x) => x.type === 'reload-object').length;
      const forget = a.filter((x) => x.type === 'forget-object').length;
      assert.equal(missing ? forget : reload, s.objects.length);
      assert.equal(missing ? reload : forget, 0);
      // A reload re-attaches every link; a forget drops them with the object.
      assert.equal(a.filter((x) => x.type === 'reattach-link').length, missing ? 0 : s.links.length);
    }),
  );
});
