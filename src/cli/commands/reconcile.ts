/** `bpfwarden reconcile [--dry-run]`: make the kernel and bpffs match the manager's records again. */
import type { Command } from 'commander';
import { describeAction } from '../../domain/manager/actions.ts';
import { reconcile } from '../../manager/reconcile.ts';
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
action failed.`,
      ),
  ).action((opts: ManagerOptions & { dryRun?: boolean }) => {
    const r = withManager(opts, (m) => reconcile(m, { dryRun: opts.dryRun ?? false }));
    if (opts.dryRun) {
      if (opts.json) for (const a of r.actions) writeJson(out, a);
      else
        out.write(
          r.actions.length ? r.actions.map((a) => `${describeAction(a)}\n`).join('') : 'nothing to do\n',
        );
      return;
    }
    if (opts.json)
      for (const x of r.results)
        writeJson(out, { ...x.action, ok: x.ok, ...(x.error ? { error: x.error } : {}) });
    else if (r.results.length === 0) out.write('nothing to do\n');
    else
      for (const x of r.results)
        out.write(`${x.ok ? 'done' : 'FAILED'}: ${x.description}${x.error ? `: ${x.error}` : ''}\n`);
    if (r.results.some((x) => !x.ok)) process.exitCode = 1;
  });
}
