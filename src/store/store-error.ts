/**
 * The one error type the store throws. Callers branch on `code`, never on
 * SQLite's message text, which is kept in `message` for humans. Codes
 * STORE_..., src/domain/error-codes.ts.
 */
import type { CodesOf } from '../domain/error-codes.ts';
import { BpfwardenError, type BpfwardenErrorOptions } from '../domain/errors.ts';

export type StoreErrorCode = CodesOf<'STORE'>;

export class StoreError extends BpfwardenError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}

/** SQLite's own text for an error thrown by node:sqlite, or the message of anything else. */
export function sqliteMessage(err: unknown): string {
  if (err instanceof Error) {
    const errstr = (err as { errstr?: unknown }).errstr;
    // node:sqlite puts the detailed text in `message` and the generic one in `errstr`.
    return err.message || (typeof errstr === 'string' ? errstr : String(err));
  }
  return String(err);
}

/** SQLite's primary result code (e.g. 5 = SQLITE_BUSY, 13 = SQLITE_FULL), if the error carries one. */
export function sqlitePrimaryCode(err: unknown): number | undefined {
  const errcode = (err as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === 'number' ? errcode & 0xff : undefined;
}
