/**
 * A monitor whose kernel object reports through one ring buffer and counts
 * its reserve failures in a per-CPU array: load, attach, decode batches,
 * drain on stop. Each monitor family supplies its object, decoder and
 * attach/configure steps; failures stay inside the monitor.
 */
import type { BootClock } from '../domain/clock.ts';
import {
  type Attachment,
  type BpfMap,
  type BpfObject,
  BpfObjectSpec,
  type Kernel,
  type NativeBridge,
  RingBuffer,
  u32,
  u64n,
} from '../ebpf/index.ts';
import { bpfObjectPath } from '../host/paths.ts';
import { decodeBatch } from './batch-decode.ts';
import type { DecoderSpec, RecordDecoder } from './decoder.ts';
import type { BpfEvent } from './events.ts';
import type { EventSink, Monitor, MonitorStatus, RawBatchSink } from './monitor.ts';

export type { RecordDecoder } from './decoder.ts';

export type { RawBatchSink } from './monitor.ts';

export interface RingMonitorSpec {
  readonly name: string;
  /** Object file name under build/bpf without .bpf.o, e.g. 'process'. */
  readonly object: string;
  readonly ringMap: string;
  readonly dropsMap: string;
  readonly ringBufferBytes: number;
  /**
   * Wake-up batching: bytes waiting in the ring before a record wakes the
   * consumer (the object's bw_wakeup_bytes); 0 or absent keeps the kernel's
   * default. Records below it are drained every pollIntervalMs.
   */
  readonly wakeupBytes?: number;
  /** Periodic drain with a wake-up threshold, ms (default 20). */
  readonly pollIntervalMs?: number;
  /** Kernel event type ids whose drop counters to sum. */
  readonly dropTypes: readonly number[];
  /** How this monitor's records decode (a plain description: it can cross to a worker). */
  readonly decoder: DecoderSpec;
  /**
   * Builds the decoder for decoding here: the family's own factory (a monitor
   * cannot use the family list's createDecoder, which would import it back).
   */
  readonly createDecoder: (clock: BootClock) => RecordDecoder<BpfEvent>;
  /** Kernel boot time to wall time, for local decoding. */
  readonly clock: BootClock;
  /** Process lifecycle events: never dropped in userspace because of other monitors' floods. */
  readonly priority?: boolean;
  /** Before load: globals, map sizes, which programs load. */
  readonly configure?: (spec: BpfObjectSpec, kernel: Kernel) => void;
  /** After load: fill policy/filter maps. */
  readonly prepare?: (obj: BpfObject) => void;
  /**
   * Per program, a hook other than its section's: "tracepoint:CATEGORY/NAME"
   * or "raw_tracepoint:NAME" (for kernels where a tracepoint was renamed).
   */
  readonly attachOverrides?: Readonly<Record<string, string>>;
  /** Attaches the programs; default: each program by its section name (or its override). */
  readonly attach?: (obj: BpfObject) => Attachment[];
  /** Monitor-specific kernel counters read from the loaded object (shown by status). */
  readonly counters?: (obj: BpfObject) => Record<string, number>;
  /** Releases what attach() acquired beyond links (e.g. cgroup fds). */
  readonly release?: () => void;
}

/** Periodic drain interval when a wake-up threshold is set and none is given. */
export const DEFAULT_POLL_MS = 20;

export interface RingMonitorDeps {
  readonly bridge: NativeBridge;
  readonly kernel: Kernel;
  readonly objectPath?: string;
  readonly onDecodeError?: (monitor: string, message: string) => void;
}

function attachAll(obj: BpfObject, overrides: Readonly<Record<string, string>>): Attachment[] {
  for (const name of Object.keys(overrides)) obj.program(name); // unknown program: ENOENT, before attaching any
  // Syscall exits before entries: an entry attached without its exit would
  // stash calls nobody reports.
  const programs = [...obj.programs].sort(
    (a, b) => Number(a.section.includes('/sys_enter_')) - Number(b.section.includes('/sys_enter_')),
  );
  const links: Attachment[] = [];
  try {
    for (const p of programs) {
      const o = overrides[p.name];
      if (o === undefined) links.push(p.attach());
      else if (o.startsWith('raw_tracepoint:'))
        links.push(p.attachRawTracepoint(o.slice('raw_tracepoint:'.length)));
      else {
        const [category = '', tp = ''] = o.slice('tracepoint:'.length).split('/');
        links.push(p.attachTracepoint(category, tp));
      }
    }
  } catch (err) {
    for (const l of links) l.destroy();
    throw err;
  }
  return links;
}

export class RingMonitor implements Monitor {
  readonly name: string;
  readonly #spec: RingMonitorSpec;
  readonly #deps: RingMonitorDeps;
  #obj: BpfObject | undefined;
  #ring: RingBuffer | undefined;
  #links: Attachment[] = [];
  #drops: BpfMap<number, number> | undefined;
  #events = 0;
  #rawRecords = 0;
  #decodeErrors = 0;
  #lastDrops = 0;
  #lastMissedRuns = 0;
  #state: MonitorStatus['state'] = 'stopped';
  #error: string | undefined;

  constructor(spec: RingMonitorSpec, deps: RingMonitorDeps) {
    this.name = spec.name;
    this.#spec = spec;
    this.#deps = deps;
  }

  /** The loaded object, for monitors that expose filter maps. */
  get object(): BpfObject | undefined {
    return this.#obj;
  }

  get decoder(): DecoderSpec {
    return this.#spec.decoder;
  }

  start(sink: EventSink, raw?: RawBatchSink): void {
    const { bridge, kernel } = this.#deps;
    const s = this.#spec;
    try {
      const spec = BpfObjectSpec.open(this.#deps.objectPath ?? bpfObjectPath(s.object), { bridge });
      try {
        spec.setMaxEntries(s.ringMap, s.ringBufferBytes);
        if (s.wakeupBytes) spec.setGlobal('bw_wakeup_bytes', s.wakeupBytes);
        s.configure?.(spec, kernel);
        this.#obj = spec.load();
      } catch (err) {
        spec.close();
        throw err;
      }
      const obj = this.#obj;
      this.#drops = obj.typedMap(s.dropsMap, u32, u64n);
      s.prepare?.(obj);
      const priority = s.priority ?? false;
      const decode = s.createDecoder(s.clock);
      // Without a threshold every record can wake the consumer: no timer needed.
      const ringOpts = s.wakeupBytes ? { pollIntervalMs: s.pollIntervalMs ?? DEFAULT_POLL_MS } : {};
      this.#ring = RingBuffer.open(
        bridge,
        obj.map(s.ringMap),
        (batch) => {
          if (raw) {
            // One copy per batch; the receiver decodes off the event loop.
            raw(this.name, batch.bytes.slice(0, batch.length), batch.count, priority);
            this.#rawRecords += batch.count;
            return;
          }
          const events = decodeBatch(batch.bytes, batch.length, batch.count, decode, (message) => {
            this.#decodeErrors++;
            this.#deps.onDecodeError?.(this.name, message);
          });
          this.#events += events.length;
          if (events.length) sink(events, priority);
        },
        ringOpts,
      );
      this.#links = s.attach ? s.attach(obj) : attachAll(obj, s.attachOverrides ?? {});
      this.#state = 'running';
      this.#error = undefined;
    } catch (err) {
      this.#state = 'failed';
      this.#error = (err as Error).message;
      this.#release();
      throw err;
    }
  }

  stop(): void {
    // One failing step (a link already gone) must not leave the rest attached or open:
    // finish the stop, then report the first failure.
    let failure: unknown;
    const attempt = (f: () => void): void => {
      try {
        f();
      } catch (err) {
        failure ??= err;
      }
    };
    for (const l of this.#links) attempt(() => l.destroy());
    this.#links = [];
    attempt(() => {
      // Deliver everything the kernel committed before the links went away.
      if (this.#ring) while (this.#ring.consume() > 0) {}
    });
    attempt(() => {
      this.#lastDrops = this.kernelDrops();
      this.#lastMissedRuns = this.#missedRuns();
    });
    this.#release();
    if (this.#state === 'running') this.#state = 'stopped';
    if (failure !== undefined) throw failure;
  }

  #release(): void {
    for (const l of this.#links) {
      try {
        l.destroy();
      } catch {
        // Already detached by someone else: nothing left to release.
      }
    }
    this.#links = [];
    this.#spec.release?.();
    this.#ring?.close();
    this.#ring = undefined;
    this.#obj?.close();
    this.#obj = undefined;
    this.#drops = undefined;
  }

  /**
   * Program runs the kernel skipped (another BPF program was active on the
   * CPU: bpf_prog_info.recursion_misses). Each may be a lost event, so it is
   * shown beside the drops rather than hidden.
   */
  #missedRuns(): number {
    const obj = this.#obj;
    if (!obj) return this.#lastMissedRuns;
    let n = 0;
    for (const p of obj.programs) {
      const info = this.#deps.bridge.infoByFd('prog', p.fd);
      if (typeof info !== 'number') n += info.recursionMisses ?? 0;
    }
    return n;
  }

  /** Records the kernel failed to reserve, summed over CPUs and event types. */
  kernelDrops(): number {
    const m = this.#drops;
    if (!m) return this.#lastDrops;
    let total = 0;
    for (const id of this.#spec.dropTypes) {
      for (const n of m.getPerCpu(id) ?? []) total += n;
    }
    return total;
  }

  status(): MonitorStatus {
    return {
      name: this.name,
      state: this.#state,
      ...(this.#error ? { error: this.#error } : {}),
      events: this.#events + this.#rawRecords,
      kernelDrops: this.kernelDrops(),
      decodeErrors: this.#decodeErrors,
      ...(this.#ring ? { ring: this.#ring.stats() } : {}),
      attached: this.#links.filter((l) => l.attached).map((l) => l.target),
      counters: { ...(this.#obj ? this.#spec.counters?.(this.#obj) : {}), missedRuns: this.#missedRuns() },
    };
  }
}
