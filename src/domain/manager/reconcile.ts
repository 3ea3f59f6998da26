/**
 * Reconcile, the pure part: compare what the store says the manager owns with
 * what the kernel and bpffs show, and return the actions that bring them back
 * together. No I/O; deterministic (records are visited in id order).
 */
import type { Action } from './actions.ts';
import type {
  ManagedLink,
  ManagedMap,
  ManagedObject,
  ManagedProgram,
  ManagedState,
  Observation,
} from './model.ts';

type ProgramState =
  | { readonly state: 'ok'; readonly kernelId: number }
  | { readonly state: 'replaced'; readonly kernelId: number }
  | { readonly state: 'unpinned'; readonly kernelId: number }
  | { readonly state: 'gone' };

function programState(p: ManagedProgram, obs: Observation): ProgramState {
  const pin = obs.pins.get(p.pin);
  if (pin?.kind === 'prog' && pin.id > 0) {
    return pin.id === p.kernelId
      ? { state: 'ok', kernelId: p.kernelId }
      : { state: 'replaced', kernelId: pin.id };
  }
  const k = obs.programs.get(p.kernelId);
  // Ids are reused: only the same program (name and tag) counts as still alive.
  if (k && k.tag === p.tag && p.name.startsWith(k.name)) return { state: 'unpinned', kernelId: p.kernelId };
  return { state: 'gone' };
}

function mapAlive(m: ManagedMap, obs: Observation): 'ok' | 'unpinned' | 'gone' {
  const pin = obs.pins.get(m.pin);
  if (pin?.kind === 'map' && pin.id === m.kernelId) return 'ok';
  const k = obs.maps.get(m.kernelId);
  return k && m.name.startsWith(k.name) ? 'unpinned' : 'gone';
}

const byId = <T extends { readonly id: number }>(xs: readonly T[]): T[] =>
  [...xs].sort((a, b) => a.id - b.id);

function linkActions(l: ManagedLink, progKernelId: number, obs: Observation): Action[] {
  if (l.spec.kind === 'tc') {
    const t = obs.tc.get(l.id);
    const where = `${l.spec.iface} ${l.spec.direction}`;
    if (!t?.ifaceExists) {
      return [
        {
          type: 'report-drift',
          subject: `link ${l.id}`,
          message: `interface ${l.spec.iface} is missing; tc filter not attached`,
        },
      ];
    }
    if (t.progId === undefined)
      return [{ type: 'reattach-link', linkId: l.id, reason: `tc filter on ${where} is gone` }];
    if (t.progId !== progKernelId) {
      return [
        {
          type: 'reattach-link',
          linkId: l.id,
          reason: `tc filter on ${where} runs program ${t.progId}, not ${progKernelId}`,
        },
      ];
    }
    return [];
  }
  const pin = l.pin === undefined ? undefined : obs.pins.get(l.pin);
  if (pin?.kind === 'link') {
    const k = obs.links.get(pin.id);
    if (!k) return [{ type: 'reattach-link', linkId: l.id, reason: 'its pin holds no readable link' }];
    if (k.detached) return [{ type: 'reattach-link', linkId: l.id, reason: 'detached while pinned' }];
    if (k.progId !== progKernelId) {
      return [
        { type: 'reattach-link', linkId: l.id, reason: `runs program ${k.progId}, not ${progKernelId}` },
      ];
    }
    return pin.id === l.kernelId
      ? []
      : [{ type: 'reattach-link', linkId: l.id, reason: 'its pin holds another link' }];
  }
  const k = l.kernelId === undefined ? undefined : obs.links.get(l.kernelId);
  if (k && l.kernelId !== undefined && l.pin !== undefined && !k.detached && k.progId === progKernelId) {
    return [{ type: 'repin-link', linkId: l.id, kernelId: l.kernelId, pin: l.pin }];
  }
  return [{ type: 'reattach-link', linkId: l.id, reason: 'link is gone (unpinned or detached)' }];
}

function objectActions(o: ManagedObject, state: ManagedState, obs: Observation): Action[] {
  const progs = byId(state.programs.filter((p) => p.objectId === o.id));
  const maps = byId(state.maps.filter((m) => m.objectId === o.id));
  const progIds = new Set(progs.map((p) => p.id));
  const links = byId(state.links.filter((l) => progIds.has(l.programId)));
  const states = new Map(progs.map((p) => [p.id, programState(p, obs)]));
  const mapStates = new Map(maps.map((m) => [m.id, mapAlive(m, obs)]));
  const lost =
    [...states.values()].some((s) => s.state === 'gone') || [...mapStates.values()].includes('gone');

  if (lost) {
    const file = obs.objectFiles.get(o.id) ?? 'missing';
    if (file !== 'ok') {
      const why =
        file === 'missing' ? `object file ${o.path} is missing` : `object file ${o.path} changed (sha256)`;
      return [
        { type: 'forget-object', objectId: o.id, reason: `its programs are gone from the kernel and ${why}` },
      ];
    }
    return [
      {
        type: 'reload-object',
        objectId: o.id,
        path: o.path,
        reason: 'its programs are gone from the kernel',
      },
      ...links.map(
        (l): Action => ({ type: 'reattach-link', linkId: l.id, reason: 'its program was reloaded' }),
      ),
    ];
  }

  const out: Action[] = [];
  for (const p of progs) {
    const s = states.get(p.id);
    if (s?.state === 'unpinned')
      out.push({ type: 'repin-program', programId: p.id, kernelId: s.kernelId, pin: p.pin });
    if (s?.state === 'replaced') out.push({ type: 'update-program', programId: p.id, kernelId: s.kernelId });
  }
  for (const m of maps) {
    if (mapStates.get(m.id) === 'unpinned')
      out.push({ type: 'repin-map', mapId: m.id, kernelId: m.kernelId, pin: m.pin });
  }
  for (const l of links) {
    const s = states.get(l.programId);
    if (s && s.state !== 'gone') out.push(...linkActions(l, s.kernelId, obs));
  }
  return out;
}

/** The actions that make the kernel and bpffs match the store again. */
export function computeReconcile(state: ManagedState, obs: Observation): Action[] {
  const actions: Action[] = [];
  const objectIds = new Set(state.objects.map((o) => o.id));
  for (const o of byId(state.objects)) actions.push(...objectActions(o, state, obs));

  // Records pointing at nothing: programs without an object, links without a program.
  const programIds = new Set(state.programs.filter((p) => objectIds.has(p.objectId)).map((p) => p.id));
  for (const p of byId(state.programs)) {
    if (!objectIds.has(p.objectId)) {
      actions.push({
        type: 'report-drift',
        subject: `program ${p.id}`,
        message: `its object ${p.objectId} has no record`,
      });
    }
  }
  for (const l of byId(state.links)) {
    if (!programIds.has(l.programId)) {
      actions.push({
        type: 'report-drift',
        subject: `link ${l.id}`,
        message: `its program ${l.programId} has no record`,
      });
    }
  }

  const known = new Set<string>();
  for (const p of state.programs) known.add(p.pin);
  for (const m of state.maps) known.add(m.pin);
  for (const l of state.links) if (l.pin !== undefined) known.add(l.pin);
  const stray = [...obs.pins.keys()].filter((p) => !known.has(p)).sort();
  for (const path of stray) {
    const pin = obs.pins.get(path);
    actions.push({
      type: 'remove-stray-pin',
      path,
      reason: `no record names this ${pin?.kind === 'unknown' ? 'object' : pin?.kind} (kernel id ${pin?.id ?? 0})`,
    });
  }
  return actions;
}
