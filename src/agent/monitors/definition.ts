/** What a monitor family provides to the agent: name, config schema, factory. */
import type { z } from 'zod';
import type { BootClock } from '../../domain/clock.ts';
import type { Kernel, NativeBridge } from '../../ebpf/index.ts';
import type { Monitor } from './monitor.ts';

export interface MonitorContext {
  readonly bridge: NativeBridge;
  readonly kernel: Kernel;
  readonly clock: BootClock;
  readonly onDecodeError?: (monitor: string, message: string) => void;
}

export interface MonitorDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly config: S;
  readonly create: (config: z.output<S>, ctx: MonitorContext) => Monitor;
}

/** Keeps the config type of a definition while erasing it for the registry. */
export function defineMonitor<S extends z.ZodType>(d: MonitorDefinition<S>): MonitorDefinition<S> {
  return d;
}
