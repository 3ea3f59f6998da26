/**
 * The live event stream: committed events as the same StoredEvent objects
 * queries return, filtered by type(s), pid, command and user, from now on or
 * resumed after an event id. Shared by the SSE and gRPC streams.
 */
import { EVENT_TYPES, type EventType } from '../../families/events.ts';
import { maxEventId } from '../../store/event-ids.ts';
import type { StoredEvent } from '../../store/event-query.ts';
import { eventMatches, readEventsAfter, type TailEventFilter } from '../../store/event-tail.ts';
import { FeedError } from './errors.ts';
import { type FeedHandlers, type FeedSubscription, TableTail, type TailOptions } from './table-tail.ts';

export type EventFeedFilter = TailEventFilter;

/** A filter as it arrives from a client (types as plain strings), checked by subscribe(). */
export interface EventFilterInput {
  readonly types?: readonly string[];
  readonly pid?: number;
  readonly comm?: string;
  readonly uid?: number;
}

const TASK_COMM_MAX = 15;
const U32_MAX = 0xffff_ffff;

export class EventFeed {
  readonly #tail: TableTail<StoredEvent, EventFeedFilter>;

  constructor(options: TailOptions) {
    this.#tail = new TableTail(
      {
        maxId: maxEventId,
        read: readEventsAfter,
        matches: eventMatches,
        isAll: (f) =>
          f.types === undefined && f.pid === undefined && f.comm === undefined && f.uid === undefined,
      },
      options,
    );
  }

  /**
   * Matching events committed after `after` (an event id), or from now on.
   * Throws FeedError BAD_FILTER naming the field, or DB_UNAVAILABLE.
   */
  subscribe(filter: EventFilterInput, handlers: FeedHandlers<StoredEvent>, after?: number): FeedSubscription {
    return this.#tail.subscribe(checkEventFilter(filter), handlers, checkAfter(after));
  }

  get subscribers(): number {
    return this.#tail.subscribers;
  }

  get polling(): boolean {
    return this.#tail.polling;
  }

  /** Polls run so far (one poller however many subscribers). */
  get polls(): number {
    return this.#tail.polls;
  }

  close(): void {
    this.#tail.close();
  }
}

export function checkEventFilter(f: EventFilterInput): EventFeedFilter {
  const out: { types?: EventType[]; pid?: number; comm?: string; uid?: number } = {};
  if (f.types !== undefined && f.types.length > 0) {
    const known = EVENT_TYPES as readonly string[];
    for (const t of f.types) {
      if (!known.includes(t)) {
        throw new FeedError(
          'FEED_BAD_FILTER',
          `unknown event type ${JSON.stringify(t)}; expected one of ${known.join(', ')}`,
          {
            field: 'types',
          },
        );
      }
    }
    out.types = [...new Set(f.types)] as EventType[];
  }
  if (f.pid !== undefined) out.pid = checkU32('pid', f.pid);
  if (f.uid !== undefined) out.uid = checkU32('uid', f.uid);
  if (f.comm !== undefined) {
    if (typeof f.comm !== 'string' || f.comm.length === 0 || [...f.comm].length > TASK_COMM_MAX) {
      throw new FeedError(
        'FEED_BAD_FILTER',
        `comm must be a command name of 1 to ${TASK_COMM_MAX} characters`,
        {
          field: 'comm',
        },
      );
    }
    out.comm = f.comm;
  }
  return out;
}

export function checkAfter(after: number | undefined): number | undefined {
  if (after !== undefined && (!Number.isSafeInteger(after) || after < 0)) {
    throw new FeedError('FEED_BAD_FILTER', `after must be a row id (an integer >= 0), got ${after}`, {
      field: 'after',
    });
  }
  return after;
}

function checkU32(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > U32_MAX) {
    throw new FeedError('FEED_BAD_FILTER', `${field} must be an integer from 0 to ${U32_MAX}, got ${v}`, {
      field,
    });
  }
  return v;
}
