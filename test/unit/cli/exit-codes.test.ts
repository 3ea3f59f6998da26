/** The exit codes README "Exit codes" documents, from the real entry point (src/cli/main.ts). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeError, ExitCode } from '../../../src/cli/errors.ts';
import { TimeSpecError } from '../../../src/domain/time-spec.ts';
import { BpfError } from '../../../src/ebpf/errors.ts';
import { ManagerError } from '../../../src/manager/errors.ts';
import { StoreError } from '../../../src/store/store-error.ts';

const MAIN = join(import.meta.dirname, '../../../src/cli/main.ts');

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN, ...args], {
      env: {
        PATH: process.env.PATH,
        TZ: 'UTC',
        NO_COLOR: '1',
        BPFWARDEN_API_SOCKET: '/nonexistent/api.sock',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('describeError: usage codes exit 2, missing privileges 3, other coded errors 1', () => {
  const usage = describeError(
    new ManagerError('MANAGER_BAD_ARGUMENT', '--global expects KEY=VALUE, got "x"'),
  );
  assert.deepEqual(usage, { message: '--global expects KEY=VALUE, got "x"', expected: true, exitCode: 2 });
  assert.equal(
    describeError(new StoreError('STORE_BAD_FILTER', 'limit must be ...')).exitCode,
    ExitCode.USAGE,
  );
  assert.equal(describeError(new TimeSpecError('x', 'a duration')).exitCode, ExitCode.USAGE);
  const eperm = describeError(new BpfError('EPERM', 'bpf_prog_load: Operation not permitted'));
  assert.equal(eperm.exitCode, ExitCode.NOT_READY);
  assert.match(
    eperm.message,
    /Operation not permitted \(root, or CAP_BPF and CAP_PERFMON, needed; see: bpfwarden doctor\)/,
  );
  assert.equal(describeError(new BpfError('BPF_NATIVE_MISSING', 'not built')).exitCode, ExitCode.NOT_READY);
  assert.deepEqual(describeError(new StoreError('STORE_DB_NOT_FOUND', 'no database')), {
    message: 'no database',
    expected: true,
    exitCode: 1,
  });
  assert.deepEqual(describeError(new TypeError('bug')), { message: 'bug', expected: false, exitCode: 1 });
});

test('the entry point exits 0, 1 or 2 as documented, naming the option, value and what was expected', async () => {
  const [help, badLimit, unknownOption, unknownCommand, badId, badShell, noSubcommand, noDb] =
    await Promise.all(
      [
        ['--help'],
        ['events', '--db', '/nonexistent/bw.db', '--limit', 'abc'],
        ['events', '--bogus'],
        ['evnts'],
        ['prog', 'get', 'abc'],
        ['completion', 'tcsh'],
        ['db'],
        ['db', 'stats', '--db', '/nonexistent/bw.db'],
      ].map(cli),
    );
  assert.equal(help?.code, 0);
  assert.match(help?.stdout ?? '', /Exit codes: 0 ok, 1 failure, 2 bad usage, 3 host not ready/);
  assert.equal(badLimit?.code, 2);
  assert.match(badLimit?.stderr ?? '', /--limit "abc": expected an integer from 1 to 100000/);
  assert.equal(unknownOption?.code, 2);
  assert.match(unknownOption?.stderr ?? '', /unknown option '--bogus'/);
  assert.equal(unknownCommand?.code, 2);
  assert.match(unknownCommand?.stderr ?? '', /unknown command 'evnts'\n\(Did you mean events\?\)/);
  assert.equal(badId?.code, 2);
  assert.equal(badId?.stderr, 'bpfwarden: program id must be a positive integer, got "abc"\n');
  assert.equal(badShell?.code, 2);
  assert.match(
    badShell?.stderr ?? '',
    /'tcsh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish/,
  );
  // A group without its subcommand: help on stderr, usage exit.
  assert.equal(noSubcommand?.code, 2);
  assert.match(noSubcommand?.stderr ?? '', /Usage: bpfwarden db/);
  assert.equal(noDb?.code, 1);
  assert.match(noDb?.stderr ?? '', /^bpfwarden: .*\/nonexistent\/bw\.db/);
});
