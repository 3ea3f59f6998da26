/**
 * The program manager for the API: a connection of its own to the agent's
 * database, opened per call (these calls are rare, and the manager's writes
 * must not wait on a long-lived handle).
 */

import type { ProgramsApi } from '../api/http/deps.ts';
import { HttpError } from '../api/http/errors.ts';
import { describeAction } from '../domain/manager/actions.ts';
import type { NativeBridge } from '../ebpf/index.ts';
import { withProgramManager } from '../manager/factory.ts';
import { reconcile } from '../manager/reconcile.ts';
import type { ProgramManager } from '../manager/service.ts';
import type { Config } from './config.ts';

export function programsApi(bridge: NativeBridge, config: Config): ProgramsApi {
  const withManager = <T>(fn: (m: ProgramManager) => T): T => withProgramManager(bridge, config, fn);
  return {
    list: () => withManager((m) => m.listPrograms()),
    get: (id) =>
      withManager((m) => {
        if (!m.store.programs().some((p) => p.id === id)) {
          throw new HttpError(404, 'PROGRAM_NOT_FOUND', `no managed program with id ${id}`);
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
