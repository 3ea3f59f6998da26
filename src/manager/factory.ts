/**
 * The one way to a program manager, for the CLI, the API and the agent's
 * start-up reconcile alike: the configured settings (with the environment's
 * additions, config.ts) over a writable connection of its own, closed when
 * the work is done (manager writes must not wait on a long-lived handle).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { NativeBridge } from '../ebpf/index.ts';
import { openDatabase } from '../store/database.ts';
import { type ManagerConfig, managerSettings } from './config.ts';
import { ProgramManager } from './service.ts';

/** What a manager needs of the agent's configuration. */
export interface ManagerSite {
  readonly database: string;
  readonly manager?: ManagerConfig;
}

export function createProgramManager(
  bridge: NativeBridge,
  db: DatabaseSync,
  config: ManagerConfig | undefined,
): ProgramManager {
  return new ProgramManager(bridge, db, managerSettings(config));
}

/** Runs fn with a manager over its own connection to the database, closed afterwards. */
export function withProgramManager<T>(
  bridge: NativeBridge,
  site: ManagerSite,
  fn: (m: ProgramManager) => T,
): T {
  const db = openDatabase(site.database);
  try {
    return fn(createProgramManager(bridge, db, site.manager));
  } finally {
    db.close();
  }
}
