/** bpfwarden command line entry point: `bpfwarden <command> [options]`. */
import { CommanderError } from 'commander';
import { describeError, ExitCode } from './errors.ts';
import { buildProgram } from './program.ts';

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed help or the usage error.
      process.exitCode = err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
      return;
    }
    const { message, expected, exitCode } = describeError(err);
    process.stderr.write(`bpfwarden: ${message}\n`);
    if (!expected && process.env.BPFWARDEN_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = exitCode;
  }
}

await main(process.argv);
