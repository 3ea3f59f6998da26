/** bpfwarden command line entry point: `bpfwarden <command> [options]`. */
import { CommanderError } from 'commander';
import { describeError, ExitCode } from './errors.ts';
import { buildProgram } from './program.ts';

/**
 * A reader that stops early (`| head -1`) closes the pipe: the command ends
 * quietly with exit 0, as other tools do, instead of an unhandled EPIPE.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
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
