/** What the agent hands a family's monitor factory (src/families/family.ts, MonitorModule). */
import type { BootClock } from '../../domain/clock.ts';
import type { Kernel, NativeBridge } from '../../ebpf/index.ts';

export interface MonitorContext {
  readonly bridge: NativeBridge;
  readonly kernel: Kernel;
  readonly clock: BootClock;
  readonly onDecodeError?: (monitor: string, message: string) => void;
}
