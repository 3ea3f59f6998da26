/** `bpfwarden doctor`: is this host ready, and if not, what to do. */
import type { Command } from 'commander';
import { type Check, hostChecks, kernelChecks } from '../../agent/doctor.ts';
import { Kernel, nativeBridge } from '../../ebpf/index.ts';
import { ExitCode } from '../errors.ts';
import { useColor } from '../format/color.ts';
import { startProgress } from '../format/progress.ts';
import { renderTable } from '../format/table.ts';

function allChecks(): Check[] {
  const checks = hostChecks();
  try {
    checks.push(...kernelChecks(new Kernel(nativeBridge())));
  } catch (err) {
    checks.push({
      name: 'native bridge',
      status: 'missing',
      detail: (err as Error).message,
      fix: 'npm run build:native',
      required: true,
    });
  }
  return checks;
}

export function registerDoctorCommand(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  program
    .command('doctor')
    .description('check that this host can run bpfwarden, with a fix for each problem')
    .option('--json', 'one JSON object per check')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo bpfwarden doctor
  $ sudo bpfwarden doctor --json | jq 'select(.status != "ok")'

Exit code 3 when a required check fails (the host cannot run the agent).`,
    )
    .action((opts: { json?: boolean }) => {
      // The kernel checks load probe programs through the verifier.
      const progress = startProgress('checking the host', { json: opts.json });
      let checks: Check[];
      try {
        checks = allChecks();
      } finally {
        progress.stop();
      }
      if (opts.json) {
        for (const c of checks) out.write(`${JSON.stringify(c)}\n`);
      } else {
        const color = useColor(process.stdout, process.env);
        const mark = (s: Check['status']): string =>
          !color
            ? s
            : s === 'ok'
              ? `\x1b[32m${s}\x1b[0m`
              : s === 'warn'
                ? `\x1b[33m${s}\x1b[0m`
                : `\x1b[31m${s}\x1b[0m`;
        out.write(
          renderTable(
            [{ header: 'CHECK' }, { header: 'STATUS' }, { header: 'DETAIL', max: 60 }, { header: 'FIX' }],
            checks.map((c) => [c.name, mark(c.status), c.detail, c.fix ?? '']),
            { color },
          ),
        );
      }
      if (checks.some((c) => c.required && c.status !== 'ok')) process.exitCode = ExitCode.NOT_READY;
    });
}
