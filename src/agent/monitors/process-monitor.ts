/** Process monitor: exec, fork and exit from raw scheduler tracepoints. */
import type { BootClock } from '../../domain/clock.ts';
import { decodeProcessRecord } from '../../domain/decode/process.ts';
import type { BpfEvent } from '../../domain/events.ts';
import { EventTypeId } from '../../domain/layout/process.ts';
import {
  type BpfMap,
  type BpfObject,
  BpfObjectSpec,
  forEachRecord,
  type Kernel,
  type Link,
  type NativeBridge,
  RingBuffer,
  u32,
  u64n,
} from '../../ebpf/index.ts';
import { bpfObjectPath } from '../paths.ts';
import type { EventSink, Monitor, MonitorStatus } from './monitor.ts';

export interface ProcessMonitorOptions {
  readonly bridge: NativeBridge;
  readonly kernel: Kernel;
  readonly clock: BootClock;
  readonly ringBufferBytes: number;
  readonly objectPath?: string;
  readonly onDecodeError?: (message: string) => void;
}

export class ProcessMonitor implements Monitor {
  readonly name = 'process';
  readonly #opts: ProcessMonitorOptions;
  #obj: BpfObject | undefined;
  #ring: RingBuffer | undefined;
  #links: Link[] = [];
  #drops: BpfMap<number, number> | undefined;
  #events = 0;
  #decodeErrors = 0;
  #lastDrops = 0;
  #state: MonitorStatus['state'] = 'stopped';
  #error: string | undefined;

  constructor(opts: ProcessMonitorOptions) {
    this.#opts = opts;
  }

  start(sink: EventSink): void {
    const { bridge, kernel, clock } = this.#opts;
    try {
      const spec = BpfObjectSpec.open(this.#opts.objectPath ?? bpfObjectPath('process'), { bridge });
      try {
        spec.setMaxEntries('process_events', this.#opts.ringBufferBytes);
        // 6.16+ passes group_dead to sched_process_exit; older kernels use the live-thread count.
        if ((kernel.tracepointArgs('sched_process_exit') ?? 1) >= 2) spec.setGlobal('exit_has_group_dead', true);
        this.#obj = spec.load();
      } catch (err) {
        spec.close();
        throw err;
      }
      const obj = this.#obj;
      this.#drops = obj.typedMap('process_drops', u32, u64n);
      this.#ring = RingBuffer.open(bridge, obj.map('process_events'), (batch) => {
        const events: BpfEvent[] = [];
        forEachRecord(batch, (view, off, size) => {
          const r = decodeProcessRecord(batch.bytes, view, off, size, clock);
          if ('error' in r) {
            this.#decodeErrors++;
            this.#opts.onDecodeError?.(r.error);
          } else {
            events.push(r);
          }
        });
        this.#events += events.length;
        if (events.length) sink(events);
      });
      for (const p of obj.programs) this.#links.push(p.attach());
      this.#state = 'running';
    } catch (err) {
      this.#state = 'failed';
      this.#error = (err as Error).message;
      this.#release();
      throw err;
    }
  }

  stop(): void {
    for (const l of this.#links) l.destroy();
    this.#links = [];
    if (this.#ring) {
      // Deliver everything the kernel committed before the links went away.
      while (this.#ring.consume() > 0) {}
    }
    this.#lastDrops = this.kernelDrops();
    this.#release();
    if (this.#state === 'running') this.#state = 'stopped';
  }

  #release(): void {
    for (const l of this.#links) l.destroy();
    this.#links = [];
    this.#ring?.close();
    this.#ring = undefined;
    this.#obj?.close();
    this.#obj = undefined;
    this.#drops = undefined;
  }

  /** Total records the kernel failed to reserve, over all event types. */
  kernelDrops(): number {
    const m = this.#drops;
    if (!m) return this.#lastDrops;
    let total = 0;
    for (const id of Object.values(EventTypeId)) {
      for (const n of m.getPerCpu(id) ?? []) total += n;
    }
    return total;
  }

  status(): MonitorStatus {
    return {
      name: this.name,
      state: this.#state,
      ...(this.#error ? { error: this.#error } : {}),
      events: this.#events,
      kernelDrops: this.kernelDrops(),
      decodeErrors: this.#decodeErrors,
      ...(this.#ring ? { ring: this.#ring.stats() } : {}),
      attached: this.#links.filter((l) => l.attached).map((l) => l.target),
    };
  }
}
