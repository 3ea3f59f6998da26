/**
 * Applying a changed configuration to a running agent (SIGHUP): detection
 * rules and alert routes/sinks are rebuilt, and monitor filters that live in
 * BPF maps are rewritten in place, so capture never stops. Everything else
 * (ring sizes, globals fixed at load in rodata, the store, paths, servers)
 * is reported as needing a restart and keeps its running value.
 */

import { isSecretKey, REDACTED, redact } from '../config/redact.ts';
import {
  type ChangePlan,
  type ConfigChange,
  changedKeys,
  planChanges,
  withValuesFrom,
} from '../domain/config-diff.ts';
import type { BpfObject } from '../ebpf/index.ts';
import { writeDropExclusion } from '../families/drop/monitor.ts';
import { selfExclusion } from '../families/exclusion.ts';
import { writeFileFilters } from '../families/file/monitor.ts';
import type { Monitor } from '../families/monitor.ts';
import { writeNetExclusion } from '../families/net/monitor.ts';
import { RingMonitor } from '../families/ring-monitor.ts';
import type { Config } from './config.ts';
import { DetectionEngine } from './detection/engine.ts';
import { createSink } from './detection/sinks-from-config.ts';

/** Monitor settings held in BPF maps, which the programs read on every event. */
interface LiveFilter {
  readonly monitor: string;
  readonly keys: readonly string[];
  readonly apply: (obj: BpfObject, config: Config) => void;
}

const LIVE_FILTERS: readonly LiveFilter[] = [
  {
    monitor: 'file',
    keys: ['pathPrefixes', 'excludeSelf', 'cgroupIds'],
    apply: (obj, c) =>
      writeFileFilters(obj, {
        pathPrefixes: c.monitors.file.pathPrefixes,
        ...selfExclusion(c.monitors.file.excludeSelf),
        ...(c.monitors.file.cgroupIds ? { cgroupIds: c.monitors.file.cgroupIds } : {}),
      }),
  },
  {
    monitor: 'net',
    keys: ['excludeSelf'],
    apply: (obj, c) => writeNetExclusion(obj, selfExclusion(c.monitors.net.excludeSelf)),
  },
  {
    monitor: 'drop',
    keys: ['excludeSelf'],
    apply: (obj, c) => writeDropExclusion(obj, selfExclusion(c.monitors.drop.excludeSelf)),
  },
];

const DETECTION_KEYS = ['rules', 'alerts'];

/** Keys a running agent applies without a restart (a key covers everything below it). */
export const LIVE_KEYS: readonly string[] = [
  ...DETECTION_KEYS,
  ...LIVE_FILTERS.flatMap((f) => f.keys.map((k) => `monitors.${f.monitor}.${k}`)),
];

export interface ReloadTarget {
  readonly monitors: readonly Monitor[];
  readonly detection: DetectionEngine | undefined;
  readonly log: (line: string) => void;
}

export interface ReloadResult {
  /** The configuration now in effect: the old one with the applied changes. */
  readonly config: Config;
  readonly detection: DetectionEngine | undefined;
  readonly applied: readonly string[];
  readonly restart: readonly string[];
  readonly failed: readonly string[];
}

const key = (c: ConfigChange): string => c.path.join('.');

function shown(v: unknown, path: readonly string[]): string {
  if (v !== undefined && isSecretKey(path[path.length - 1] ?? '')) return REDACTED;
  const s = JSON.stringify(redact(v)) ?? 'unset';
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
}

/** Rebuilds detection with the new rules/alerts settings; the old engine keeps running if that fails. */
async function reloadDetection(
  current: Config,
  next: Config,
  t: ReloadTarget,
): Promise<{ engine: DetectionEngine | undefined; error?: string }> {
  let fresh: DetectionEngine | undefined;
  try {
    // Sinks first (a secret's variable may be unset): the engine opens the database before making them.
    if (next.rules.enabled) {
      for (const c of next.alerts.sinks) createSink(c).close?.();
      fresh = new DetectionEngine({
        dbPath: current.database,
        rules: next.rules,
        alerts: next.alerts,
        log: t.log,
      });
    }
  } catch (err) {
    return { engine: t.detection, error: (err as Error).message };
  }
  // The old engine stops first: two engines would run the same rules at once.
  // Deliveries it had in flight stay pending in the outbox for the new one.
  await t.detection?.stop();
  fresh?.start();
  return { engine: fresh };
}

function applyFilters(plan: ChangePlan, next: Config, t: ReloadTarget): Set<string> {
  const failed = new Set<string>();
  for (const f of LIVE_FILTERS) {
    const changes = plan.live.filter((c) => c.path[0] === 'monitors' && c.path[1] === f.monitor);
    if (changes.length === 0) continue;
    const m = t.monitors.find((x) => x.name === f.monitor);
    const obj = m instanceof RingMonitor ? m.object : undefined;
    if (!obj) continue; // not running: the new values apply when it next starts
    try {
      f.apply(obj, next);
    } catch (err) {
      t.log(`reload: monitor ${f.monitor} filters not applied: ${(err as Error).message}`);
      for (const c of changes) failed.add(key(c));
    }
  }
  return failed;
}

export async function applyReload(current: Config, next: Config, t: ReloadTarget): Promise<ReloadResult> {
  const plan = planChanges(changedKeys(current, next), LIVE_KEYS);
  const failed = applyFilters(plan, next, t);
  let detection = t.detection;
  const detectionChanges = plan.live.filter((c) => DETECTION_KEYS.includes(c.path[0] ?? ''));
  if (detectionChanges.length > 0) {
    const r = await reloadDetection(current, next, t);
    detection = r.engine;
    if (r.error !== undefined) {
      t.log(`reload: rules and alerts not applied: ${r.error}`);
      for (const c of detectionChanges) failed.add(key(c));
    }
  } else {
    // Same settings: still re-read the rule files, which operators edit and then signal.
    detection?.syncRuleFiles();
  }
  const applied = plan.live.filter((c) => !failed.has(key(c)));
  for (const c of applied)
    t.log(`reload: ${key(c)}: ${shown(c.before, c.path)} -> ${shown(c.after, c.path)}`);
  if (plan.restart.length > 0) {
    t.log(`reload: needs a restart to take effect: ${plan.restart.map(key).join(', ')}`);
  }
  if (plan.live.length === 0 && plan.restart.length === 0) t.log('reload: configuration unchanged');
  return {
    config: withValuesFrom(
      current,
      next,
      applied.map((c) => c.path),
    ),
    detection,
    applied: applied.map(key),
    restart: plan.restart.map(key),
    failed: [...failed],
  };
}
