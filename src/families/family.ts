/**
 * What one event family (process, file, net, ...) provides, in one place:
 * its event types, the decoder of its kernel records, its store table, the
 * DETAILS text of its events, its monitor's configuration and the monitor.
 * src/families/index.ts lists the families; every list of families
 * elsewhere (event types, decoders, tables, config, details) derives from it.
 *
 * The monitor is a lazy loader (`monitor: siblingMonitor(import.meta.url)`,
 * the monitor.ts beside the family's index.ts) rather than a value: the store worker thread and the CLI need the pure
 * parts (decoders, tables, formatters, config schemas) and must not load
 * monitor code, which pulls in the ebpf bridge (a native addon) and the
 * agent's ring plumbing. Only the agent calls the loader, for the monitors
 * it starts. A pure core.ts beside a full index.ts per family would need two
 * family lists instead of one.
 *
 * The loader names the module by URL, so the family list depends on no
 * monitor: the agent, which loads them, does. A family's monitor.ts imports
 * its own decode.ts, not the family list, for the same reason.
 */
import type { z } from 'zod';
import type { BootClock } from '../domain/clock.ts';
import type { EventBase } from '../domain/event-base.ts';
import type { EventTable, Stored } from './event-table.ts';

/** Decodes one record at [off, off+size) of a batch; null skips it silently. */
export type RecordDecoder<E extends EventBase = EventBase> = (
  bytes: Uint8Array,
  view: DataView,
  off: number,
  size: number,
) => E | { readonly error: string } | null;

/**
 * What a decoder is built from: plain data, so it can cross to the store
 * worker (structured clone) and the decoder be built where records are read.
 */
export interface DecoderSpecOf<N extends string = string> {
  readonly family: N;
}

/** The loader of the monitor.ts beside a family's index.ts (indexUrl: its import.meta.url, in src/ or dist/). */
export function siblingMonitor<C>(indexUrl: string): () => Promise<MonitorModule<C>> {
  const href = new URL(indexUrl.endsWith('.ts') ? './monitor.ts' : './monitor.js', indexUrl).href;
  return () => import(href) as Promise<MonitorModule<C>>;
}

/**
 * What a family's monitor.ts exports (loaded only by the agent). The context
 * and the monitor are the agent's types (monitor.ts); they are not named
 * here, so the family list needs nothing of the monitors' side.
 */
export interface MonitorModule<C> {
  readonly createMonitor: (config: C, ctx: never) => unknown;
}

export interface FamilyDefinition<
  E extends EventBase = EventBase,
  D extends DecoderSpecOf = DecoderSpecOf,
  S extends z.ZodType = z.ZodType,
> {
  /** The family's name: its key under `monitors` in the config, its monitor's name. */
  readonly name: D['family'];
  readonly eventTypes: readonly E['type'][];
  readonly decoder: (spec: D, clock: BootClock) => RecordDecoder<E>;
  readonly table: EventTable;
  /** The DETAILS column of `bpfwarden events` for one stored event. Pure. */
  readonly details: (e: NoInfer<Stored<E>>) => string;
  /** `monitors.<name>` in the agent's config. */
  readonly monitorConfig: S;
  readonly monitor: () => Promise<MonitorModule<z.output<S>>>;
}

/** Keeps a family's own types (events, decoder spec, config) for the derived lists. */
export function defineFamily<E extends EventBase, D extends DecoderSpecOf, S extends z.ZodType>(
  f: FamilyDefinition<E, D, S>,
): FamilyDefinition<E, D, S> {
  return f;
}

/** The events a family definition decodes. */
export type FamilyEvent<F> = F extends {
  readonly decoder: (spec: never, clock: BootClock) => RecordDecoder<infer E>;
}
  ? E
  : never;

/** The decoder spec a family definition takes. */
export type FamilySpec<F> = F extends { readonly decoder: (spec: infer D, clock: BootClock) => unknown }
  ? D
  : never;
