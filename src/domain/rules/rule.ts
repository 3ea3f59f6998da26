/** Detection rules and the alerts they raise, as data. */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function isSeverity(v: unknown): v is Severity {
  return typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export interface Rule {
  /** Stable identifier: lower-case letters, digits, '-', '_' and '.'. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly severity: Severity;
  /** A SELECT over the event tables; see docs/rules-and-alerts.md. */
  readonly query: string;
  /** Alert title template: `{column}` is replaced from the result row. */
  readonly title: string;
  readonly tags: readonly string[];
  /** Dedupe key template (`{pid}:{path}`) or a bare column name; default: the triggering event ids. */
  readonly dedupe: string | null;
  /** Alerts with the same dedupe key within this many ms are suppressed (counted on the first). */
  readonly throttleMs: number;
  readonly enabled: boolean;
}

export const RULE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** An alert before it is stored. */
export interface AlertDraft {
  readonly timeUs: number;
  readonly ruleId: string;
  readonly severity: Severity;
  readonly title: string;
  readonly details: Record<string, unknown>;
  readonly eventIds: readonly number[];
  readonly eventTypes: readonly string[];
  readonly dedupeKey: string;
  readonly tags: readonly string[];
}

export interface Alert extends AlertDraft {
  readonly id: number;
  readonly suppressed: number;
  readonly ackedUs: number | null;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  readonly alertId: number;
  readonly sink: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptUs: number;
  readonly lastError: string | null;
  readonly deliveredUs: number | null;
}
