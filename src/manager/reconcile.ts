/** Reconcile: fetch (store + kernel + bpffs) → compute (pure) → execute (one executor). */
import type { Action } from '../domain/manager/actions.ts';
import { computeReconcile } from '../domain/manager/reconcile.ts';
import { type ActionResult, Executor } from './executor.ts';
import { observe } from './fetch.ts';
import type { ProgramManager } from './service.ts';

export interface ReconcileReport {
  readonly actions: readonly Action[];
  /** Empty on a dry run. */
  readonly results: readonly ActionResult[];
}

export function planReconcile(m: ProgramManager): Action[] {
  const state = m.store.state();
  return computeReconcile(state, observe(m.bridge, state, m.root));
}

export interface ReconcileOptions {
  readonly dryRun?: boolean;
  /**
   * Report pins no record names instead of removing them. The agent's start
   * uses this: an agent run with another database must not take away pins
   * that database never knew.
   */
  readonly keepStrayPins?: boolean;
}

export function reconcile(m: ProgramManager, opts: ReconcileOptions = {}): ReconcileReport {
  const actions = planReconcile(m).map(
    (a): Action =>
      opts.keepStrayPins && a.type === 'remove-stray-pin'
        ? {
            type: 'report-drift',
            subject: a.path,
            message: `${a.reason}; run "bpfwarden reconcile" to remove it`,
          }
        : a,
  );
  if (opts.dryRun) return { actions, results: [] };
  return { actions, results: new Executor(m).executeAll(actions) };
}
