/** `bpfwarden reconcile [--dry-run]`: make the kernel and bpffs match the manager's records again. */
import type { Command } from 'commander';
import { type Action, describeAction } from '../../domain/manager/actions.ts';
import { type ActionResult, Executor } from '../../manager/executor.ts';
import { planReconcile } from '../../manager/reconcile.ts';
import { ExitCode } from '../errors.ts';
import { startProgress } from '../format/progress.ts';
import { type ManagerOptions, withManager, withManagerOptions, writeJson } from './manager-context.ts';

export function registerReconcileCommand(
  program: Command,
  out: NodeJS.WritableStream = process.stdout,
): void {
  withManagerOptions(
    program
      .command('reconcile')
      .description('compare managed programs and links with the kernel and bpffs, and repair the drift')
      .option('--dry-run', 'print the actions only')
      .option('--json', 'one JSON object per action')
      .addHelpText(
        'after',
        `
Repairs: pins removed by hand (re-pinned), programs gone after a reboot or
removed by someone else (re-loaded from their object file and re-attached),
links detached while the agent was down (re-attached), pins no record names
(removed). What cannot be repaired is reported as drift. Exit code 1 when an
action failed.

Examples:
  $ sudo bpfwarden reconcile --dry-run       what would be repaired
  $ sudo bpfwarden reconcile                 repair, one line per action
  $ sudo bpfwarden reconcile --json | jq 'select(.ok == false)'`,
      ),
  ).action((opts: ManagerOptions & { dryRun?: boolean }) => {
    const progress = startProgress('comparing records with the kernel and bpffs', { json: opts.json });
    const results: ActionResult[] = [];
    let actions: readonly Action[];
    try {
      actions = withManager(opts, (m) => {
        const planned = planReconcile(m);
        if (opts.dryRun) return planned;
        // One action at a time (what reconcile() does in one call), so the bar can follow:
        // re-loading a program runs the verifier and can take seconds.
        const executor = new Executor(m);
        planned.forEach((a, i) => {
          progress.update(describeAction(a), i, planned.length);
          results.push(...executor.executeAll([a]));
        });
        return planned;
      });
    } finally {
      progress.stop();
    }
    if (opts.dryRun) {
      if (opts.json) for (const a of actions) writeJson(out, a);
      else
        out.write(actions.length ? actions.map((a) => `${describeAction(a)}\n`).join('') : 'nothing to do\n');
      return;
    }
    if (opts.json)
      for (const x of results)
        writeJson(out, { ...x.action, ok: x.ok, ...(x.error ? { error: x.error } : {}) });
    else if (results.length === 0) out.write('nothing to do\n');
    else
      for (const x of results)
        out.write(`${x.ok ? 'done' : 'FAILED'}: ${x.description}${x.error ? `: ${x.error}` : ''}\n`);
    if (results.some((x) => !x.ok)) process.exitCode = ExitCode.FAILURE;
  });
}
