/** Reconcile, the fetch: what the kernel, bpffs and the object files show now. */
import { existsSync } from 'node:fs';
import type {
  ManagedState,
  ObjectFileState,
  Observation,
  ObservedPin,
  ObservedTc,
} from '../domain/manager/model.ts';
import { KernelObjects, type NativeBridge, OwnedFd } from '../ebpf/index.ts';
import { ifindexOf, tcProgram } from './attach.ts';
import { sha256File } from './object-file.ts';
import { listPins, pinKindOf } from './pins.ts';

function observePin(bridge: NativeBridge, root: string, path: string): ObservedPin {
  const kind = pinKindOf(root, path);
  if (kind === 'unknown') return { kind, id: 0 };
  try {
    const fd = OwnedFd.fromPin(bridge, path);
    try {
      return { kind, id: fd.info(kind).id };
    } finally {
      fd.close();
    }
  } catch {
    return { kind: 'unknown', id: 0 };
  }
}

export function observe(bridge: NativeBridge, state: ManagedState, root: string): Observation {
  const kernel = new KernelObjects(bridge);
  const pins = new Map(listPins(root).map((p) => [p, observePin(bridge, root, p)]));
  const programs = new Map(kernel.programs().map((p) => [p.id, { name: p.name, tag: p.tag }]));
  const maps = new Map(kernel.maps().map((m) => [m.id, { name: m.name }]));
  const links = new Map(
    kernel.links().map((l) => [
      l.id,
      // A detached link keeps its program but loses its hook: XDP ifindex or cgroup id reads 0.
      { progId: l.progId, detached: l.ifindex === 0 || l.cgroupId === 0 },
    ]),
  );
  const tc = new Map<number, ObservedTc>();
  for (const l of state.links) {
    if (l.spec.kind !== 'tc') continue;
    tc.set(l.id, { ifaceExists: ifindexOf(l.spec.iface) !== undefined, progId: tcProgram(bridge, l.spec) });
  }
  const objectFiles = new Map<number, ObjectFileState>();
  for (const o of state.objects) {
    objectFiles.set(
      o.id,
      !existsSync(o.path) ? 'missing' : sha256File(o.path) === o.sha256 ? 'ok' : 'changed',
    );
  }
  return { pins, programs, maps, links, tc, objectFiles };
}
