/**
 * File monitor: open, unlink, rename and chmod from the syscall tracepoints,
 * with filters the kernel applies before anything reaches the ring: path
 * prefixes, excluded processes (the agent itself) and included cgroups.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError } from '../../domain/agent-error.ts';
import type { BootClock } from '../../domain/clock.ts';
import { type BpfObject, type BpfObjectSpec, bytes, sumPerCpu, u32, u64, u64n } from '../../ebpf/index.ts';
import { TRACEFS } from '../../host/paths.ts';
import { type Exclusion, exclusionEntries, selfExclusion } from '../exclusion.ts';
import type { Monitor, MonitorContext } from '../monitor.ts';
import { type RingDelivery, ringDelivery } from '../ring-config.ts';
import { RingMonitor, type RingMonitorDeps } from '../ring-monitor.ts';
import type { FileMonitorConfig } from './config.ts';
import { fileDecoder } from './decode.ts';
import { encodeFileConfig, encodeFilePrefix, pathPrefixesProblems } from './filter.ts';
import { FILE_CONFIG, FILE_PREFIX, FILE_PREFIX_MAX, FileEventTypeId, MAX_CGROUPS } from './layout.ts';

/** Sizes of the filter maps in bpf/file.bpf.c. */
export { MAX_EXCLUDED_PIDS } from '../exclusion.ts';

/** excludePids: their calls are never reported; excludeChildrenOf: their children's. */
export interface FileFilters extends Exclusion {
  /** Report only paths starting with one of these (empty: every path). */
  readonly pathPrefixes?: readonly string[];
  /** Report only these cgroup v2 ids (empty or absent: every cgroup). */
  readonly cgroupIds?: readonly number[];
}

export interface FileMonitorOptions extends FileFilters, RingDelivery {
  readonly clock: BootClock;
  readonly ringBufferBytes: number;
}

const ONE = Uint8Array.of(1);

/**
 * Writes the filters into a loaded file.bpf.o; callable again while it runs
 * (the maps are read on every call, so a change applies to the next one).
 */
export function writeFileFilters(obj: BpfObject, f: FileFilters): void {
  const prefixes = f.pathPrefixes ?? [];
  const problems = pathPrefixesProblems(prefixes);
  if (problems.length) throw new AgentError('AGENT_FILE_FILTER', problems.join('; '));
  const cgroups = f.cgroupIds ?? [];
  const pids = exclusionEntries(f, 'AGENT_FILE_FILTER');
  if (cgroups.length > MAX_CGROUPS) {
    throw new AgentError('AGENT_FILE_FILTER', `at most ${MAX_CGROUPS} cgroup ids, got ${cgroups.length}`);
  }

  const slots = obj.typedMap('file_prefixes', u32, bytes(FILE_PREFIX.size));
  const config = obj.typedMap('file_config', u32, bytes(FILE_CONFIG.size));
  const pidMap = obj.typedMap('file_exclude_pids', u32, bytes(1));
  const cgroupMap = obj.typedMap('file_cgroups', u64, bytes(1));

  // Additions, then the counts, then removals: a filter being widened or
  // narrowed never passes through a state that rejects what both allow.
  for (const [pid, flags] of pids) pidMap.set(pid, Uint8Array.of(flags));
  const wanted = new Set(cgroups.map((c) => BigInt(c)));
  for (const c of wanted) cgroupMap.set(c, ONE);
  for (const [i, p] of prefixes.entries()) slots.set(i, encodeFilePrefix(p));
  config.set(0, encodeFileConfig(prefixes.length, wanted.size));
  for (const k of [...pidMap.keys()]) if (!pids.has(k)) pidMap.delete(k);
  for (const k of [...cgroupMap.keys()]) if (!wanted.has(k)) cgroupMap.delete(k);
  const empty = new Uint8Array(FILE_PREFIX.size);
  for (let i = prefixes.length; i < FILE_PREFIX_MAX; i++) slots.set(i, empty);
}

/** Events the kernel filters rejected so far, by event type. */
export function fileFilteredCounters(obj: BpfObject): Record<string, number> {
  const m = obj.typedMap('file_filtered', u32, u64n);
  return {
    filteredOpen: sumPerCpu(m, FileEventTypeId.open),
    filteredUnlink: sumPerCpu(m, FileEventTypeId.unlink),
    filteredRename: sumPerCpu(m, FileEventTypeId.rename),
    filteredChmod: sumPerCpu(m, FileEventTypeId.chmod),
  };
}

/** "tp/syscalls/sys_enter_openat" -> "openat". */
function syscallOf(section: string): string | undefined {
  return /^tp\/syscalls\/sys_(?:enter|exit)_(\w+)$/.exec(section)?.[1];
}

/**
 * Not every architecture has every call (arm64 has no open, creat, unlink,
 * rename or chmod): both programs of a call the kernel lacks stay unloaded.
 * Without a readable tracefs nothing is skipped, so attach says what is wrong.
 */
function skipMissingSyscalls(spec: BpfObjectSpec): void {
  const events = join(TRACEFS, 'events', 'syscalls');
  if (!existsSync(events)) return;
  for (const p of spec.programs) {
    const call = syscallOf(p.section);
    if (call === undefined) continue;
    const present =
      existsSync(join(events, `sys_enter_${call}`)) && existsSync(join(events, `sys_exit_${call}`));
    if (!present) spec.setAutoload(p.name, false);
  }
}

const DECODER = { family: 'file' } as const;

export function fileMonitor(opts: FileMonitorOptions, deps: RingMonitorDeps): RingMonitor {
  const { clock } = opts;
  // Refuse bad filters before anything is loaded.
  const problems = pathPrefixesProblems(opts.pathPrefixes ?? []);
  if (problems.length) throw new AgentError('AGENT_FILE_FILTER', problems.join('; '));
  return new RingMonitor(
    {
      name: 'file',
      object: 'file',
      ringMap: 'file_events',
      dropsMap: 'file_drops',
      ringBufferBytes: opts.ringBufferBytes,
      wakeupBytes: opts.wakeupBytes,
      pollIntervalMs: opts.pollIntervalMs,
      dropTypes: Object.values(FileEventTypeId),
      decoder: DECODER,
      createDecoder: (c) => fileDecoder(DECODER, c),
      clock,
      configure: (spec) => skipMissingSyscalls(spec),
      prepare: (obj) => writeFileFilters(obj, opts),
      counters: fileFilteredCounters,
    },
    deps,
  );
}

/** Wake-up batching defaults (measured: see docs/architecture.md, "Event path"). */
const DELIVERY = { wakeupBytes: 262144, pollIntervalMs: 20 };

export function createMonitor(cfg: FileMonitorConfig, ctx: MonitorContext): Monitor {
  return fileMonitor(
    {
      clock: ctx.clock,
      ringBufferBytes: cfg.ringBufferBytes,
      ...ringDelivery(cfg, DELIVERY),
      pathPrefixes: cfg.pathPrefixes,
      ...selfExclusion(cfg.excludeSelf),
      ...(cfg.cgroupIds ? { cgroupIds: cfg.cgroupIds } : {}),
    },
    {
      bridge: ctx.bridge,
      kernel: ctx.kernel,
      ...(ctx.onDecodeError ? { onDecodeError: ctx.onDecodeError } : {}),
    },
  );
}
