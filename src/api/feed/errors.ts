/** Errors of the live feeds (codes FEED_..., src/domain/error-codes.ts); a bad filter names its field. */
import type { CodesOf } from '../../domain/error-codes.ts';
import { BpfwardenError, type BpfwardenErrorOptions } from '../../domain/errors.ts';

export type FeedErrorCode = CodesOf<'FEED'>;

export class FeedError extends BpfwardenError {
  declare readonly code: FeedErrorCode;

  constructor(code: FeedErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}

/** Why a subscription ended (the `end` handler's argument). */
export const END_LAGGED = 'lagged';
export const END_CLOSED = 'closed';
export const END_ERROR = 'error';
