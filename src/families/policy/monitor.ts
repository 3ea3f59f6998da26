/**
 * Policy monitor: loads nothing. The enforcement components (firewall,
 * egress, exec) pin a ring buffer of bw_policy_event records at
 * `<pinRoot>/<component>/events`; this drains every one of them through the
 * same store path as the other monitors. Rings that appear later (a
 * component loaded by the CLI) are picked up, and rings that go (unloaded,
 * or replaced by a reload) are let go, on a re-check every few seconds.
 */
import { existsSync } from 'node:fs';
import type { BootClock } from '../../domain/clock.ts';
import { PolicyEventTypeId } from '../../domain/layout/policy-record.ts';
import { BpfMap, type NativeBridge, RingBuffer, type RingStats, u32, u64n } from '../../ebpf/index.ts';
import { PinnedMap } from '../../ebpf/pinned-map.ts';
import { enforcePinRoot, eventsPinPath } from '../../host/enforce-pins.ts';
import { decodeBatch } from '../batch-decode.ts';
import type { EventSink, Monitor, MonitorContext, MonitorStatus, RawBatchSink } from '../monitor.ts';
import type { PolicyMonitorConfig } from './config.ts';
import { type PolicyDecoderSpec, policyDecoder } from './decode.ts';

/** The components that pin a ring of policy records. */
export const POLICY_COMPONENTS = ['firewall', 'egress', 'exec'] as const;

/** `<pinRoot>/<component>/drops`: per-CPU counts of records the ring had no room for, by event type. */
export function dropsPinPath(pinRoot: string, component: string): string {
  return `${pinRoot}/${component}/drops`;
}

export interface PolicyMonitorOptions {
  readonly pinRoot: string;
  readonly clock: BootClock;
  /** How often to look for rings that appeared or went, ms. */
  readonly rescanIntervalMs: number;
  readonly components?: readonly string[];
}

export interface PolicyMonitorDeps {
  readonly bridge: NativeBridge;
  readonly onDecodeError?: (monitor: string, message: string) => void;
  readonly log?: (line: string) => void;
}

interface Attached {
  readonly component: string;
  readonly mapId: number;
  readonly events: PinnedMap;
  readonly ring: RingBuffer;
  readonly drops: PinnedMap | undefined;
}

const DROP_TYPES = Object.values(PolicyEventTypeId);

export class PolicyMonitor implements Monitor {
  readonly name = 'policy';
  readonly decoder: PolicyDecoderSpec = { family: 'policy' };
  readonly #opts: PolicyMonitorOptions;
  readonly #deps: PolicyMonitorDeps;
  readonly #attached = new Map<string, Attached>();
  #deliver: ((component: string, bytes: Uint8Array, length: number, count: number) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #state: MonitorStatus['state'] = 'stopped';
  #events = 0;
  #decodeErrors = 0;
  /** Kernel drops of rings since let go, so the count never goes back. */
  #dropsGone = 0;
  #statsGone: RingStats | undefined;
  #rescanErrors = 0;

  constructor(opts: PolicyMonitorOptions, deps: PolicyMonitorDeps) {
    this.#opts = opts;
    this.#deps = deps;
  }

  get components(): readonly string[] {
    return this.#opts.components ?? POLICY_COMPONENTS;
  }

  start(sink: EventSink, raw?: RawBatchSink): void {
    const decode = policyDecoder(this.decoder, this.#opts.clock);
    this.#deliver = (_component, bytes, length, count) => {
      if (raw) {
        // One copy per batch; the store worker decodes it with the policy decoder.
        raw(this.name, bytes.slice(0, length), count, false);
        this.#events += count;
        return;
      }
      const events = decodeBatch(bytes, length, count, decode, (message) => {
        this.#decodeErrors++;
        this.#deps.onDecodeError?.(this.name, message);
      });
      this.#events += events.length;
      if (events.length) sink(events);
    };
    this.#state = 'running';
    this.rescan();
    this.#timer = setInterval(() => this.rescan(), this.#opts.rescanIntervalMs);
    this.#timer.unref();
  }

  /** Attaches rings that appeared, lets go of rings that went or were replaced. */
  rescan(): void {
    if (this.#state !== 'running') return;
    for (const component of this.components) {
      const path = eventsPinPath(this.#opts.pinRoot, component);
      const current = this.#attached.get(component);
      try {
        const id = this.#pinnedMapId(path);
        if (current && current.mapId === id) continue;
        if (current) this.#detach(component, id === undefined ? 'unpinned' : 'replaced');
        if (id !== undefined) this.#attach(component, path);
      } catch (err) {
        this.#rescanErrors++;
        this.#deps.log?.(`monitor policy: ${component} ring ${path}: ${(err as Error).message}`);
      }
    }
  }

  #pinnedMapId(path: string): number | undefined {
    if (!existsSync(path)) return undefined;
    const fd = this.#deps.bridge.objGet(path);
    if (fd < 0) return undefined;
    try {
      const info = this.#deps.bridge.infoByFd('map', fd);
      return typeof info === 'number' ? undefined : info.id;
    } finally {
      this.#deps.bridge.fdClose(fd);
    }
  }

  #attach(component: string, path: string): void {
    const bridge = this.#deps.bridge;
    const events = PinnedMap.open(bridge, path);
    let ring: RingBuffer;
    try {
      ring = RingBuffer.open(bridge, events.map, (batch) =>
        this.#deliver?.(component, batch.bytes, batch.length, batch.count),
      );
    } catch (err) {
      events.close();
      throw err;
    }
    const dropsPath = dropsPinPath(this.#opts.pinRoot, component);
    let drops: PinnedMap | undefined;
    try {
      drops = existsSync(dropsPath) ? PinnedMap.open(bridge, dropsPath) : undefined;
    } catch {
      drops = undefined; // the ring is what matters; drops show as 0
    }
    const mapId = bridge.infoByFd('map', events.map.fd);
    this.#attached.set(component, {
      component,
      mapId: typeof mapId === 'number' ? -1 : mapId.id,
      events,
      ring,
      drops,
    });
    this.#deps.log?.(`monitor policy: draining the ${component} ring ${path}`);
  }

  #detach(component: string, why: string): void {
    const a = this.#attached.get(component);
    if (!a) return;
    this.#attached.delete(component);
    try {
      // What the kernel committed before the pin went is still delivered.
      while (a.ring.consume() > 0) {}
      this.#dropsGone += this.#drops(a);
      this.#statsGone = addStats(this.#statsGone, a.ring.stats());
    } catch {
      // A ring that cannot be read any more has nothing left to deliver.
    }
    a.ring.close();
    a.events.close();
    a.drops?.close();
    this.#deps.log?.(`monitor policy: let go of the ${component} ring (${why})`);
  }

  #drops(a: Attached): number {
    if (!a.drops) return 0;
    try {
      const m = new BpfMap(a.drops.map, u32, u64n);
      let n = 0;
      for (const t of DROP_TYPES) for (const c of m.getPerCpu(t) ?? []) n += c;
      return n;
    } catch {
      return 0;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const c of [...this.#attached.keys()]) this.#detach(c, 'stopping');
    if (this.#state === 'running') this.#state = 'stopped';
  }

  status(): MonitorStatus {
    const rings = [...this.#attached.values()];
    let stats = this.#statsGone;
    for (const a of rings) {
      try {
        stats = addStats(stats, a.ring.stats());
      } catch {
        // Closed meanwhile.
      }
    }
    const counters: Record<string, number> = { rings: rings.length, rescanErrors: this.#rescanErrors };
    for (const c of this.components) counters[`${c}Attached`] = this.#attached.has(c) ? 1 : 0;
    return {
      name: this.name,
      state: this.#state,
      events: this.#events,
      kernelDrops: this.#dropsGone + rings.reduce((n, a) => n + this.#drops(a), 0),
      decodeErrors: this.#decodeErrors,
      ...(stats ? { ring: stats } : {}),
      attached: rings.map((a) => eventsPinPath(this.#opts.pinRoot, a.component)),
      counters,
    };
  }
}

function addStats(a: RingStats | undefined, b: RingStats): RingStats {
  if (!a) return { ...b };
  return {
    wakeups: a.wakeups + b.wakeups,
    records: a.records + b.records,
    bytes: a.bytes + b.bytes,
    batches: a.batches + b.batches,
    maxBatch: Math.max(a.maxBatch, b.maxBatch),
    callbackErrors: a.callbackErrors + b.callbackErrors,
    handlerErrors: a.handlerErrors + b.handlerErrors,
    timerDrains: a.timerDrains + b.timerDrains,
  };
}

export function createMonitor(cfg: PolicyMonitorConfig, ctx: MonitorContext): Monitor {
  return new PolicyMonitor(
    { pinRoot: enforcePinRoot(cfg.pinRoot), clock: ctx.clock, rescanIntervalMs: cfg.rescanIntervalMs },
    { bridge: ctx.bridge, ...(ctx.onDecodeError ? { onDecodeError: ctx.onDecodeError } : {}) },
  );
}
