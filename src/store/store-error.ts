/**
 * The one error type the store throws. Callers branch on `code`, never on
 * SQLite's message text, which is kept in `message` for humans.
 */

export type StoreErrorCode =
  | 'DB_OPEN'
  | 'DB_NOT_FOUND'
  | 'DB_SCHEMA'
  | 'DB_CORRUPT'
  | 'DB_MIGRATION'
  | 'DB_QUERY'
  | 'BAD_FILTER';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
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
