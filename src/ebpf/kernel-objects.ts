/**
 * Every BPF program, map and link in the kernel, typed (what bpftool prog|map|link
 * show lists). Objects can vanish between listing ids and reading them: those are
 * skipped, never reported as errors.
 */
import type {
  KernelInfo,
  KernelObjectKind,
  NativeBridge,
  NativeKernelLink,
  NativeKernelMap,
  NativeKernelProgram,
} from './bridge.ts';
import { isErr } from './bridge.ts';
import { check, failure } from './check.ts';
import { cgroupAttachTypeName, linkTypeName, mapTypeName, progTypeName } from './names.ts';

const ENOENT = 2;

export interface KernelProgram extends NativeKernelProgram {
  readonly typeName: string;
}

export interface KernelMap extends NativeKernelMap {
  readonly typeName: string;
}

export interface KernelLink extends NativeKernelLink {
  readonly typeName: string;
  /** One line on what the link attaches to, when the kernel says. */
  readonly target: string;
}

export function linkTarget(l: NativeKernelLink): string {
  if (l.perfEvent === 'tracepoint' && l.tracepoint !== undefined) return `tracepoint ${l.tracepoint}`;
  if (l.perfEvent !== undefined && l.probe !== undefined) {
    return `${l.perfEvent} ${l.probe}${l.probeOffset ? `+0x${l.probeOffset.toString(16)}` : ''}`;
  }
  if (l.tracepoint !== undefined) return l.tracepoint;
  if (l.ifindex !== undefined) return l.ifindex === 0 ? 'detached' : `ifindex ${l.ifindex}`;
  if (l.cgroupId !== undefined) {
    return l.cgroupId === 0 ? 'detached' : `cgroup ${l.cgroupId} ${cgroupAttachTypeName(l.attachType ?? -1)}`;
  }
  if (l.netnsIno !== undefined) return `netns ${l.netnsIno}`;
  return '';
}

export class KernelObjects {
  readonly #bridge: NativeBridge;

  constructor(bridge: NativeBridge) {
    this.#bridge = bridge;
  }

  ids(kind: KernelObjectKind): number[] {
    return check(this.#bridge, this.#bridge.kernelIds(kind), `enumerate kernel ${kind}s`);
  }

  #one<K extends KernelObjectKind>(kind: K, id: number): KernelInfo[K] | undefined {
    const r = this.#bridge.infoById(kind, id);
    if (isErr(r)) {
      if (r === -ENOENT) {
        this.#bridge.takeLog();
        return undefined;
      }
      throw failure(this.#bridge, r, `read ${kind} ${id}`);
    }
    return r as KernelInfo[K];
  }

  program(id: number): KernelProgram | undefined {
    const p = this.#one('prog', id);
    return p && { ...p, typeName: progTypeName(p.type) };
  }

  map(id: number): KernelMap | undefined {
    const m = this.#one('map', id);
    return m && { ...m, typeName: mapTypeName(m.type) };
  }

  link(id: number): KernelLink | undefined {
    const l = this.#one('link', id);
    return l && { ...l, typeName: linkTypeName(l.type), target: linkTarget(l) };
  }

  programs(): KernelProgram[] {
    return this.ids('prog').flatMap((id) => this.program(id) ?? []);
  }

  maps(): KernelMap[] {
    return this.ids('map').flatMap((id) => this.map(id) ?? []);
  }

  links(): KernelLink[] {
    return this.ids('link').flatMap((id) => this.link(id) ?? []);
  }
}
