/**
 * Statement deadlines on a read-only connection, through the project's
 * SQLite extension (native/sqlite/deadline.c): node:sqlite cannot interrupt
 * a statement or install a progress handler itself. With it, a runaway rule
 * ends with SQLITE_INTERRUPT at its time bound and the connection lives on,
 * so rules can run on a thread of the agent instead of a process of their
 * own that has to be killed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { projectRoot } from '../host/paths.ts';

const SQLITE_INTERRUPT = 9;

/** The built extension, if there is one (BPFWARDEN_SQLITE_DEADLINE overrides; "" disables). */
export function deadlineExtension(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env.BPFWARDEN_SQLITE_DEADLINE;
  if (override !== undefined) return override && existsSync(override) ? override : undefined;
  const built = join(projectRoot(), 'native', 'build', 'Release', 'bw_sqlite_deadline.node');
  return existsSync(built) ? built : undefined;
}

export class Deadline {
  readonly #set: StatementSync;

  private constructor(set: StatementSync) {
    this.#set = set;
  }

  /**
   * Loads the extension into db (opened with allowExtension) and turns
   * extension loading off again, so nothing run later can load another.
   * Undefined when there is no extension or it does not load.
   */
  static install(db: DatabaseSync, path: string | undefined = deadlineExtension()): Deadline | undefined {
    if (!path) return undefined;
    try {
      db.enableLoadExtension(true);
      db.loadExtension(path, 'sqlite3_bwdeadline_init');
      return new Deadline(db.prepare('SELECT bw_deadline(?) AS ms'));
    } catch {
      return undefined;
    } finally {
      try {
        db.enableLoadExtension(false);
      } catch {
        // Opened without allowExtension: nothing was loaded.
      }
    }
  }

  /** Statements started from now must end within ms (0: no bound). */
  set(ms: number): void {
    this.#set.get(Math.max(0, Math.floor(ms)));
  }
}

/** The error a statement stopped by its deadline throws. */
export function isInterrupt(err: unknown): boolean {
  return (err as { errcode?: unknown })?.errcode === SQLITE_INTERRUPT;
}
