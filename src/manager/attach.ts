/**
 * Attaches a pinned program as a LinkSpec says, through the typed library's
 * per-kind link functions. Interfaces are named in specs and resolved to an
 * ifindex here, at each attach, since ifindexes change across reboots.
 */
import { readFileSync } from 'node:fs';
import type { LinkSpec } from '../domain/manager/model.ts';
import { type NativeBridge, OwnedFd } from '../ebpf/index.ts';
import {
  attachCgroup,
  attachRawTracepoint,
  attachTc,
  attachTracepoint,
  attachUprobe,
  attachXdp,
  detachTc,
  type FdLink,
  queryTc,
} from '../ebpf/links/index.ts';
import { ManagerError } from './errors.ts';

export function ifindexOf(iface: string): number | undefined {
  if (!/^[\w.@-]{1,15}$/.test(iface)) return undefined;
  try {
    return Number(readFileSync(`/sys/class/net/${iface}/ifindex`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

export function needIfindex(iface: string): number {
  const i = ifindexOf(iface);
  if (i === undefined) throw new ManagerError('MANAGER_NOT_FOUND', `no network interface named "${iface}"`);
  return i;
}

export type Attached =
  | { readonly kind: 'link'; readonly link: FdLink; readonly spec: LinkSpec }
  | { readonly kind: 'tc'; readonly spec: LinkSpec & { kind: 'tc' }; readonly progId: number };

/** Attaches the program pinned at progPin; the caller pins (and closes) a returned link. */
export function attachPinned(bridge: NativeBridge, progPin: string, spec: LinkSpec): Attached {
  const prog = OwnedFd.fromPin(bridge, progPin);
  try {
    const fd = prog.fd;
    switch (spec.kind) {
      case 'tracepoint':
        return { kind: 'link', spec, link: attachTracepoint(bridge, fd, spec) };
      case 'raw_tracepoint':
        return { kind: 'link', spec, link: attachRawTracepoint(bridge, fd, spec) };
      case 'xdp':
        return {
          kind: 'link',
          spec,
          link: attachXdp(bridge, fd, { ifindex: needIfindex(spec.iface), mode: spec.mode }),
        };
      case 'cgroup':
        return { kind: 'link', spec, link: attachCgroup(bridge, fd, spec) };
      case 'uprobe':
        return { kind: 'link', spec, link: attachUprobe(bridge, fd, spec) };
      case 'tc': {
        const f = attachTc(bridge, fd, {
          ifindex: needIfindex(spec.iface),
          direction: spec.direction,
          priority: spec.priority,
          handle: spec.handle,
        });
        return { kind: 'tc', spec: { ...spec, priority: f.priority, handle: f.handle }, progId: f.progId };
      }
    }
  } finally {
    prog.close();
  }
}

/** The tc filter a spec names: program id, or undefined (no filter, or no interface). */
export function tcProgram(bridge: NativeBridge, spec: LinkSpec & { kind: 'tc' }): number | undefined {
  const ifindex = ifindexOf(spec.iface);
  if (ifindex === undefined || !spec.priority || !spec.handle) return undefined;
  return queryTc(bridge, {
    ifindex,
    direction: spec.direction,
    priority: spec.priority,
    handle: spec.handle,
  });
}

/** Deletes the tc filter a spec names, if it is there. */
export function removeTc(bridge: NativeBridge, spec: LinkSpec & { kind: 'tc' }): void {
  const ifindex = ifindexOf(spec.iface);
  if (ifindex === undefined || tcProgram(bridge, spec) === undefined) return;
  detachTc(bridge, { ifindex, direction: spec.direction, priority: spec.priority, handle: spec.handle });
}
