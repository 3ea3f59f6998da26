/** Errors of the live feeds, with stable codes (and the offending filter field). */

export type FeedErrorCode = 'BAD_FILTER' | 'FEED_CLOSED' | 'DB_UNAVAILABLE';

export class FeedError extends Error {
  readonly code: FeedErrorCode;
  /** For BAD_FILTER: the filter field that was wrong. */
  readonly field: string | undefined;

  constructor(code: FeedErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FeedError';
    this.code = code;
    this.field = options?.field;
  }
}

/** Why a subscription ended (the `end` handler's argument). */
export const END_LAGGED = 'lagged';
export const END_CLOSED = 'closed';
export const END_ERROR = 'error';
