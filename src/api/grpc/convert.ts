/** Store rows and agent status to their protobuf messages, and protobuf filters to feed filters. */
import type { StatusSnapshot } from '../../domain/contracts/status.ts';
import { type Alert, SEVERITIES, type Severity as SeverityName } from '../../domain/rules/rule.ts';
import type { StoredEvent } from '../../store/event-query.ts';
import type { AlertFilterInput } from '../feed/alert-feed.ts';
import { FeedError } from '../feed/errors.ts';
import type { EventFilterInput } from '../feed/event-feed.ts';
import * as pb from './gen/bpfwarden/v1/bpfwarden.ts';

const SEVERITY_NUMBER: Record<SeverityName, pb.Severity> = {
  low: pb.Severity.SEVERITY_LOW,
  medium: pb.Severity.SEVERITY_MEDIUM,
  high: pb.Severity.SEVERITY_HIGH,
  critical: pb.Severity.SEVERITY_CRITICAL,
};

/** Feed filter field names as the proto spells them, for error messages. */
export const PROTO_FIELD: Readonly<Record<string, string>> = {
  types: 'types',
  pid: 'pid',
  comm: 'comm',
  uid: 'uid',
  after: 'after_id',
  minSeverity: 'min_severity',
  ruleId: 'rule_id',
};

const u64 = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.trunc(n) : 0);

export function eventToProto(e: StoredEvent): pb.Event {
  const { id, timeUs, type, pid, tid, ppid, uid, gid, cgroupId, comm, ...details } = e;
  return {
    id,
    timeUs,
    type,
    pid,
    tid,
    ppid,
    uid,
    gid,
    cgroupId: u64(cgroupId),
    comm,
    detailsJson: JSON.stringify(details),
  };
}

export function alertToProto(a: Alert): pb.Alert {
  return {
    id: a.id,
    timeUs: a.timeUs,
    ruleId: a.ruleId,
    severity: SEVERITY_NUMBER[a.severity],
    title: a.title,
    detailsJson: JSON.stringify(a.details),
    eventIds: a.eventIds.map(u64),
    eventTypes: [...a.eventTypes],
    dedupeKey: a.dedupeKey,
    tags: [...a.tags],
  };
}

export function statusToProto(s: StatusSnapshot): pb.Status {
  const latency = s.store.latencyMs;
  return {
    pid: s.pid,
    startedAtMs: s.startedAtMs,
    updatedAtMs: s.updatedAtMs,
    database: s.database,
    monitors: s.monitors.map((m) => ({
      name: m.name,
      state: m.state,
      error: m.error ?? '',
      events: u64(m.events),
      eventsPerSecond: u64(m.eventsPerSecond),
      kernelDrops: u64(m.kernelDrops),
      decodeErrors: u64(m.decodeErrors),
      attached: [...m.attached],
      counters: Object.fromEntries(Object.entries(m.counters ?? {}).map(([k, v]) => [k, u64(v)])),
    })),
    store: {
      stored: u64(s.store.stored),
      queued: u64(s.store.queued),
      queueDropped: u64(s.store.queueDropped),
      writeFailures: u64(s.store.writeFailures),
      lastError: s.store.lastError ?? '',
      ...(latency ? { latencyMs: { ...latency, count: u64(latency.count) } } : {}),
    },
    retention: {
      deletedByAge: u64(s.retention.deletedByAge),
      deletedBySize: u64(s.retention.deletedBySize),
      failures: u64(s.retention.failures),
    },
  };
}

export function alertFilterFromProto(f: pb.AlertFilter): {
  filter: AlertFilterInput;
  after: number | undefined;
} {
  let minSeverity: SeverityName | undefined;
  if (f.minSeverity !== pb.Severity.SEVERITY_UNSPECIFIED) {
    minSeverity = SEVERITIES.find((s) => SEVERITY_NUMBER[s] === f.minSeverity);
    if (minSeverity === undefined) {
      throw new FeedError(
        'FEED_BAD_FILTER',
        `unknown severity ${f.minSeverity}; expected SEVERITY_LOW to SEVERITY_CRITICAL`,
        {
          field: 'minSeverity',
        },
      );
    }
  }
  return {
    filter: { ...(minSeverity ? { minSeverity } : {}), ...(f.ruleId ? { ruleId: f.ruleId } : {}) },
    after: f.afterId,
  };
}

export function eventFilterFromProto(f: pb.EventFilter): {
  filter: EventFilterInput;
  after: number | undefined;
} {
  return {
    filter: {
      ...(f.types.length ? { types: f.types } : {}),
      ...(f.pid !== undefined ? { pid: f.pid } : {}),
      ...(f.comm !== undefined ? { comm: f.comm } : {}),
      ...(f.uid !== undefined ? { uid: f.uid } : {}),
    },
    after: f.afterId,
  };
}
