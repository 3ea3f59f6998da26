/** What an alert sink does: deliver one alert or throw why it could not. */
import type { Alert } from '../domain/rules/rule.ts';

export interface Sink {
  readonly name: string;
  readonly type: string;
  /** Resolves once the receiver has the alert; rejects with a one-line reason. */
  deliver(alert: Alert): Promise<void>;
  close?(): void;
}

/** The JSON form every sink sends. */
export function alertPayload(a: Alert): Record<string, unknown> {
  return {
    id: a.id,
    time: new Date(Math.floor(a.timeUs / 1000)).toISOString(),
    timeUs: a.timeUs,
    rule: a.ruleId,
    severity: a.severity,
    title: a.title,
    details: a.details,
    eventIds: a.eventIds,
    eventTypes: a.eventTypes,
    dedupeKey: a.dedupeKey,
    tags: a.tags,
    suppressed: a.suppressed,
  };
}
