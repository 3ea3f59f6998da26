/** A loaded program and the ways to attach it. */
import type { Handle, NativeBridge, NativeProgramInfo } from './bridge.ts';
import { check, checkZero } from './check.ts';
import { Link, type LinkKind } from './link.ts';
import { attachCgroupFd } from './links/cgroup.ts';
import type { FdLink } from './links/fd-link.ts';

export class Program {
  readonly name: string;
  readonly section: string;
  readonly type: number;
  /** The kernel attach type its section implies (e.g. cgroup_skb/egress: BPF_CGROUP_INET_EGRESS). */
  readonly expectedAttachType: number;
  readonly #bridge: NativeBridge;
  readonly #obj: () => Handle;

  constructor(bridge: NativeBridge, obj: () => Handle, info: NativeProgramInfo) {
    this.#bridge = bridge;
    this.#obj = obj;
    this.name = info.name;
    this.section = info.section;
    this.type = info.type;
    this.expectedAttachType = info.expectedAttachType;
  }

  get fd(): number {
    return check(this.#bridge, this.#bridge.progFd(this.#obj(), this.name), `program ${this.name}`);
  }

  #link(r: ReturnType<NativeBridge['attachAuto']>, kind: LinkKind, target: string): Link {
    const h = check(this.#bridge, r, `attach ${this.name} to ${target}`);
    return new Link(this.#bridge, h, kind, this.name, target);
  }

  /** Attaches as the program's section name says (e.g. raw_tp/sched_process_exec). */
  attach(): Link {
    return this.#link(this.#bridge.attachAuto(this.#obj(), this.name), 'auto', this.section);
  }

  attachTracepoint(category: string, name: string): Link {
    return this.#link(
      this.#bridge.attachTracepoint(this.#obj(), this.name, category, name),
      'tracepoint',
      `${category}/${name}`,
    );
  }

  attachRawTracepoint(name: string): Link {
    return this.#link(this.#bridge.attachRawTracepoint(this.#obj(), this.name, name), 'raw_tracepoint', name);
  }

  attachXdp(ifindex: number): Link {
    return this.#link(this.#bridge.attachXdp(this.#obj(), this.name, ifindex), 'xdp', `ifindex ${ifindex}`);
  }

  /** Attaches to an open cgroup directory with the attach type of the program's section (through links/cgroup.ts). */
  attachCgroup(cgroupFd: number, path: string): FdLink {
    return attachCgroupFd(
      this.#bridge,
      this.fd,
      cgroupFd,
      this.expectedAttachType,
      path,
      `${this.name} to ${path}`,
    );
  }

  attachUprobe(binary: string, offset: number, opts: { pid?: number; retprobe?: boolean } = {}): Link {
    return this.#link(
      this.#bridge.attachUprobe(
        this.#obj(),
        this.name,
        opts.retprobe ?? false,
        opts.pid ?? -1,
        binary,
        offset,
      ),
      'uprobe',
      `${binary}+0x${offset.toString(16)}`,
    );
  }

  pin(path: string): void {
    checkZero(this.#bridge, this.#bridge.progPin(this.#obj(), this.name, path), `pin program ${this.name}`);
  }
}
