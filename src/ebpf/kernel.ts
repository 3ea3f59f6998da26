/** Host-level facts from the bridge: clocks, feature probes, mounts. */
import type { NativeBridge } from './bridge.ts';
import { checkZero } from './check.ts';

export type Support = 'yes' | 'no' | 'unknown';

function support(r: number): Support {
  return r === 1 ? 'yes' : r === 0 ? 'no' : 'unknown';
}

export class Kernel {
  readonly #bridge: NativeBridge;

  constructor(bridge: NativeBridge) {
    this.#bridge = bridge;
  }

  /** CLOCK_REALTIME - CLOCK_BOOTTIME in nanoseconds: adds to kernel boot-clock stamps. */
  bootOffsetNs(): bigint {
    return this.#bridge.bootOffsetNs();
  }

  boottimeNs(): bigint {
    return this.#bridge.boottimeNs();
  }

  possibleCpus(): number {
    return this.#bridge.numPossibleCpus();
  }

  libbpfVersion(): string {
    return this.#bridge.libbpfVersion();
  }

  progType(type: number): Support {
    return support(this.#bridge.probeProgType(type));
  }

  mapType(type: number): Support {
    return support(this.#bridge.probeMapType(type));
  }

  helper(progType: number, helper: number): Support {
    return support(this.#bridge.probeHelper(progType, helper));
  }

  /** Arguments a tracepoint passes on this kernel (from its BTF), or undefined when unknown. */
  tracepointArgs(name: string): number | undefined {
    const n = this.#bridge.kernelTracepointArgs(name);
    return n < 0 ? undefined : n;
  }

  /** Values of an enum in the running kernel's BTF (e.g. skb_drop_reason), or undefined. */
  enumValues(name: string): Map<number, string> | undefined {
    const r = this.#bridge.kernelEnum(name);
    if (typeof r === 'number') return undefined;
    return new Map(r.map((e) => [e.value, e.name]));
  }

  mount(source: string, target: string, fstype: string): void {
    checkZero(this.#bridge, this.#bridge.mountFs(source, target, fstype), `mount ${fstype} at ${target}`);
  }
}
