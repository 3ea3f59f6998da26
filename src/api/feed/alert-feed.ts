/**
 * The live alert stream: alerts as they are committed (the same Alert
 * objects `alerts list` shows), at or above a severity and/or of one rule,
 * from now on or resumed after an alert id. Shared by SSE and gRPC.
 */
import { type Alert, isSeverity, SEVERITIES } from '../../domain/rules/rule.ts';
import { alertMatches, maxAlertId, readAlertsAfter, type TailAlertFilter } from '../../store/alert-tail.ts';
import { FeedError } from './errors.ts';
import { checkAfter } from './event-feed.ts';
import { type FeedHandlers, type FeedSubscription, TableTail, type TailOptions } from './table-tail.ts';

export type AlertFeedFilter = TailAlertFilter;

/** A filter as it arrives from a client, checked by subscribe(). */
export interface AlertFilterInput {
  readonly minSeverity?: string;
  readonly ruleId?: string;
}

/** Alert rows as plain records (what the HTTP layer's LiveFeed carries). */
export type AlertRow = Alert & Record<string, unknown>;

export class AlertFeed {
  readonly #tail: TableTail<AlertRow, AlertFeedFilter>;

  constructor(options: TailOptions) {
    this.#tail = new TableTail<AlertRow, AlertFeedFilter>(
      {
        maxId: maxAlertId,
        read: (db, after, through, filters, limit) =>
          readAlertsAfter(db, after, through, filters, limit) as AlertRow[],
        matches: alertMatches,
        isAll: (f) => f.minSeverity === undefined && f.ruleId === undefined,
      },
      options,
    );
  }

  /**
   * Matching alerts committed after `after` (an alert id), or from now on.
   * Throws FeedError BAD_FILTER naming the field, or DB_UNAVAILABLE.
   */
  subscribe(filter: AlertFilterInput, handlers: FeedHandlers<AlertRow>, after?: number): FeedSubscription {
    return this.#tail.subscribe(checkAlertFilter(filter), handlers, checkAfter(after));
  }

  get subscribers(): number {
    return this.#tail.subscribers;
  }

  get polling(): boolean {
    return this.#tail.polling;
  }

  close(): void {
    this.#tail.close();
  }
}

export function checkAlertFilter(f: AlertFilterInput): AlertFeedFilter {
  const out: { minSeverity?: AlertFeedFilter['minSeverity']; ruleId?: string } = {};
  if (f.minSeverity !== undefined) {
    if (!isSeverity(f.minSeverity)) {
      throw new FeedError(
        'FEED_BAD_FILTER',
        `unknown severity ${JSON.stringify(f.minSeverity)}; expected one of ${SEVERITIES.join(', ')}`,
        { field: 'minSeverity' },
      );
    }
    out.minSeverity = f.minSeverity;
  }
  if (f.ruleId !== undefined) {
    if (typeof f.ruleId !== 'string' || f.ruleId.length === 0 || f.ruleId.length > 64) {
      throw new FeedError('FEED_BAD_FILTER', 'ruleId must be a rule id of 1 to 64 characters', {
        field: 'ruleId',
      });
    }
    out.ruleId = f.ruleId;
  }
  return out;
}
