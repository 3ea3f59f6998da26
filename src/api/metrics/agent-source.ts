/**
 * The agent as a MetricsSource: its status snapshot (every monitor, failed
 * ones too, and the store's counters), the store's full counters and the
 * rule engine's run times where the agent exposes them, and the detection
 * figures the database holds, read on a read-only connection of its own.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { StatusSnapshot, StoreCounters } from '../../domain/contracts/status.ts';
import type { HistogramSnapshot } from '../../domain/histogram.ts';
import { openDatabase } from '../../store/database.ts';
import { readDetectionFigures } from '../../store/detection-stats.ts';
import type { StreamStats } from '../streams/slots.ts';
import type { DetectionReading, MetricsReading, MetricsSource, MonitorReading } from './source.ts';

/** What of the agent the metrics read (Agent implements it; the optional parts add detail). */
export interface MetricsAgent {
  snapshot(): StatusSnapshot;
  /** The store's counters with per-type rows and distributions. */
  storeCounters?(): StoreCounters | undefined;
  /** The running rule engine, for rule run times. */
  detection?(): { ruleRunTimes(): ReadonlyMap<string, HistogramSnapshot> } | undefined;
}

export interface AgentMetricsSource extends MetricsSource {
  /** Releases the database connection. */
  close(): void;
}

export function metricsSourceFromAgent(
  agent: MetricsAgent,
  options: { database?: string; streams?: () => StreamStats } = {},
): AgentMetricsSource {
  let db: DatabaseSync | undefined;
  const figures = (): ReturnType<typeof readDetectionFigures> | undefined => {
    if (options.database === undefined) return undefined;
    try {
      db ??= openDatabase(options.database, { readOnly: true });
      return readDetectionFigures(db);
    } catch (err) {
      // Reopen next time: the file may have been replaced, or not exist yet.
      db?.close();
      db = undefined;
      throw err;
    }
  };
  return {
    read(): MetricsReading {
      const s = agent.snapshot();
      const c = agent.storeCounters?.();
      const errors: string[] = [];
      let detection: DetectionReading | undefined;
      try {
        const f = figures();
        const runTimesUs = agent.detection?.()?.ruleRunTimes();
        if (f) detection = { ...f, ...(runTimesUs ? { runTimesUs } : {}) };
      } catch {
        errors.push('database');
      }
      const monitors: MonitorReading[] = s.monitors.map((m) => ({
        name: m.name,
        state: m.state,
        events: m.events,
        kernelDrops: m.kernelDrops,
        decodeErrors: m.decodeErrors,
        missedRuns: m.counters?.missedRuns ?? 0,
        handlerErrors: (m.ring?.handlerErrors ?? 0) + (m.ring?.callbackErrors ?? 0),
        ...(m.ring ? { wakeups: m.ring.wakeups } : {}),
      }));
      return {
        monitors,
        store: {
          ...s.store,
          retention: c?.retention ?? s.retention,
          ...(c
            ? {
                stored: c.stored,
                queued: c.queued,
                queueDropped: c.queueDropped,
                unwritten: c.unwritten,
                writeFailures: c.writeFailures,
                ...(c.rowsRejected !== undefined ? { rowsRejected: c.rowsRejected } : {}),
                ...(c.rowsByType ? { rowsByType: c.rowsByType } : {}),
                ...(c.histograms ? { histograms: c.histograms } : {}),
              }
            : {}),
        },
        ...(detection ? { detection } : {}),
        ...(options.streams ? { streams: options.streams() } : {}),
        ...(errors.length ? { errors } : {}),
      };
    },
    close(): void {
      db?.close();
      db = undefined;
    },
  };
}
