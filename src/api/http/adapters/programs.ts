/**
 * The program manager for the API: a connection of its own to the agent's
 * database, opened per call (these calls are rare, and the manager's writes
 * must not wait on a long-lived handle).
 */

import { describeAction } from '../../../domain/manager/actions.ts';
import type { NativeBridge } from '../../../ebpf/index.ts';
import type { ManagerConfig } from '../../../manager/config.ts';
import { withProgramManager } from '../../../manager/factory.ts';
import { reconcile } from '../../../manager/reconcile.ts';
import type { ProgramManager } from '../../../manager/service.ts';
import type { ProgramsApi } from '../deps.ts';
import { HttpError } from '../errors.ts';

export interface ProgramsApiOptions {
  readonly dbPath: string;
  /** The configured manager settings (the factory adds the environment's). */
  readonly manager?: ManagerConfig;
}

export function programsApi(bridge: NativeBridge, o: ProgramsApiOptions): ProgramsApi {
  const withManager = <T>(fn: (m: ProgramManager) => T): T =>
    withProgramManager(bridge, { database: o.dbPath, ...(o.manager ? { manager: o.manager } : {}) }, fn);
  return {
    list: () => withManager((m) => m.listPrograms()),
    get: (id) =>
      withManager((m) => {
        if (!m.store.programs().some((p) => p.id === id)) {
          throw new HttpError('API_PROGRAM_NOT_FOUND', `no managed program with id ${id}`);
        }
        return m.getProgram(id);
      }),
    links: () => withManager((m) => m.links()),
    reconcile: (dryRun) =>
      withManager((m) => {
        const r = reconcile(m, { dryRun });
        if (dryRun) return r.actions.map((a) => ({ ...a, description: describeAction(a) }));
        return r.results.map((x) => ({
          ...x.action,
          description: x.description,
          ok: x.ok,
          ...(x.error ? { error: x.error } : {}),
        }));
      }),
  };
}
