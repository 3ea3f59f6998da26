/**
 * `bpfwarden completion bash|zsh|fish`: each script is checked by its own
 * shell, then driven the way the shell drives it on TAB: bash through its
 * completion function with COMP_WORDS/COMP_CWORD, fish with `complete -C`,
 * zsh in a real interactive shell on a pseudo-terminal (zsh-complete.zsh).
 * zsh and fish come from scripts/setup.sh (APT_PACKAGES).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Argument, Command, Option } from 'commander';
import { registerCompletionCommand } from '../../../src/cli/commands/completion.ts';
import { completionScript, SHELLS, type Shell } from '../../../src/cli/completion/index.ts';
import { buildProgram } from '../../../src/cli/program.ts';
import { SEVERITIES } from '../../../src/domain/rules/rule.ts';
import { EVENT_TYPES } from '../../../src/families/events.ts';
import { SUMMARY_KEYS } from '../../../src/store/event-summary.ts';
import { tempDir } from '../store/fixtures.ts';

const ZSH_DRIVER = join(import.meta.dirname, 'zsh-complete.zsh');
const program = buildProgram();
const topLevel = program.commands.map((c) => c.name());

function shellRun(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
    timeout: 20_000,
  });
  if (r.error) throw new Error(`${cmd} did not run (${r.error.message}): install it with scripts/setup.sh`);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Writes every shell's script for `root` into a temp dir. */
function scripts(t: Parameters<typeof tempDir>[0], root: Command = program): Record<Shell, string> {
  const dir = tempDir(t);
  const files = {} as Record<Shell, string>;
  for (const shell of SHELLS) {
    files[shell] = join(dir, `bpfwarden.${shell}`);
    writeFileSync(files[shell], completionScript(shell, root));
  }
  return files;
}

/** What bash offers: the completion function run on these words, the last one being typed. */
function bash(file: string, ...words: string[]): string[] {
  const body = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"
_bpfwarden__complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return lines(shellRun('bash', ['--norc', '--noprofile', '-c', body, 'bash', file, ...words]));
}

function fish(file: string, line: string): string[] {
  const out = shellRun('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', file, line]);
  return lines(out).map((l) => l.split('\t')[0] ?? '');
}

/** What zsh offers for each command line (one zsh session for all). */
function zsh(file: string, ...typed: string[]): string[][] {
  const out = shellRun('zsh', ['-f', ZSH_DRIVER, file, ...typed]);
  const groups = out.split('@@done\n').slice(0, -1).map(lines);
  assert.equal(groups.length, typed.length, `zsh answered ${groups.length} of ${typed.length} lines: ${out}`);
  return groups;
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');
const sorted = (xs: readonly string[]): string[] => [...xs].sort();

test('every script passes its shell syntax check', (t) => {
  const f = scripts(t);
  shellRun('bash', ['-n', f.bash]);
  shellRun('zsh', ['-n', f.zsh]);
  shellRun('fish', ['--no-execute', f.fish]);
});

test('the command prints the script of its own program; an unknown shell is a usage error', async () => {
  let out = '';
  let err = '';
  const root = new Command('bpfwarden')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  root.command('status').description('health');
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  registerCompletionCommand(root, sink);
  await root.parseAsync(['completion', 'bash'], { from: 'user' });
  assert.match(out, /^# bash completion for bpfwarden/);
  assert.match(out, /'\|status'\) sub='status'/);
  assert.match(out, /complete -F _bpfwarden__complete bpfwarden\n$/);
  out = '';
  await assert.rejects(root.parseAsync(['completion', 'tcsh'], { from: 'user' }), {
    code: 'commander.invalidArgument',
  });
  assert.match(err, /'tcsh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish/);
  assert.equal(out, '');
});

test('bash: subcommands, options and fixed values at every level', (t) => {
  const f = scripts(t).bash;
  assert.deepEqual(bash(f, 'bpfwarden', 'ev'), ['events']);
  assert.deepEqual(sorted(bash(f, 'bpfwarden', '')), sorted([...topLevel, 'help']));
  assert.deepEqual(bash(f, 'bpfwarden', 'events', '--ty'), ['--type']);
  assert.deepEqual(bash(f, 'bpfwarden', 'events', '--type', ''), [...EVENT_TYPES]);
  assert.deepEqual(bash(f, 'bpfwarden', 'events', '--type', 'ex'), ['exec', 'exit']);
  // Comma-separated lists complete the last element.
  assert.deepEqual(bash(f, 'bpfwarden', 'events', '--type', 'exec,fo'), ['exec,fork']);
  // --type=VALUE, as bash splits it at "=" and unsplit.
  assert.deepEqual(bash(f, 'bpfwarden', 'events', '--type', '=', 'fo'), ['fork']);
  assert.deepEqual(bash(f, 'bpfwarden', 'events', '--type=fo'), ['--type=fork']);
  assert.deepEqual(bash(f, 'bpfwarden', 'events', ''), ['summary']);
  assert.deepEqual(bash(f, 'bpfwarden', 'events', 'summary', '--by', ''), [...SUMMARY_KEYS]);
  // An option's value is skipped when finding the command.
  assert.deepEqual(bash(f, 'bpfwarden', 'events', '--db', '/x.db', 'summary', '--b'), ['--by']);
  assert.deepEqual(bash(f, 'bpfwarden', 'alerts', 'list', '--severity', ''), [...SEVERITIES]);
  assert.deepEqual(sorted(bash(f, 'bpfwarden', 'db', '')), ['help', 'stats']);
  assert.deepEqual(sorted(bash(f, 'bpfwarden', 'doctor', '-')), ['--help', '--json', '-h']);
  assert.deepEqual(bash(f, 'bpfwarden', 'link', 'attach', '3', 'x'), ['xdp']);
  assert.deepEqual(bash(f, 'bpfwarden', 'link', 'attach', '3', 'tc', 'eth0', '--direction', 'e'), ['egress']);
  assert.deepEqual(bash(f, 'bpfwarden', 'completion', ''), ['bash', 'zsh', 'fish']);
  assert.deepEqual(bash(f, 'bpfwarden', 'help', 'ev'), ['events']);
  assert.deepEqual(bash(f, 'bpfwarden', 'firewall', 'add', '--action', 'd'), ['drop']);
  assert.deepEqual(bash(f, 'bpfwarden', 'policy', 'apply', 'e'), ['egress', 'exec']);
  // Interfaces of this host.
  assert.ok(bash(f, 'bpfwarden', 'firewall', 'attach', 'l').includes('lo'));
  // Free-text values offer nothing rather than something wrong.
  assert.deepEqual(bash(f, 'bpfwarden', 'events', '--pid', ''), []);
});

test('bash: path values complete files', (t) => {
  const f = scripts(t).bash;
  const dir = tempDir(t);
  mkdirSync(join(dir, 'objects'));
  writeFileSync(join(dir, 'objects', 'counter.bpf.o'), '');
  assert.deepEqual(bash(f, 'bpfwarden', 'prog', 'load', join(dir, 'objects', 'co')), [
    join(dir, 'objects', 'counter.bpf.o'),
  ]);
  assert.deepEqual(bash(f, 'bpfwarden', 'db', 'stats', '--db', join(dir, 'obj')), [join(dir, 'objects')]);
});

test('fish: complete -C offers the same', (t) => {
  const f = scripts(t).fish;
  assert.deepEqual(fish(f, 'bpfwarden ev'), ['events']);
  assert.deepEqual(fish(f, 'bpfwarden events --ty'), ['--type']);
  assert.deepEqual(sorted(fish(f, 'bpfwarden events --type ')), sorted(EVENT_TYPES));
  assert.deepEqual(fish(f, 'bpfwarden events --type exec,fo'), ['exec,fork']);
  assert.deepEqual(sorted(fish(f, 'bpfwarden events summary --by ')), sorted(SUMMARY_KEYS));
  assert.deepEqual(fish(f, 'bpfwarden events --db /x.db summary --b'), ['--by']);
  assert.deepEqual(sorted(fish(f, 'bpfwarden db ')), ['help', 'stats']);
  assert.deepEqual(fish(f, 'bpfwarden link attach 3 x'), ['xdp']);
  assert.deepEqual(fish(f, 'bpfwarden completion z'), ['zsh']);
  assert.ok(fish(f, 'bpfwarden firewall attach l').includes('lo'));
});

test('zsh: the completion system offers the same', (t) => {
  const f = scripts(t).zsh;
  const cases: [string, string[]][] = [
    ['bpfwarden ev', ['events']],
    ['bpfwarden events --ty', ['--type']],
    ['bpfwarden events --type ', sorted(EVENT_TYPES)],
    // _values completes the element after the comma.
    ['bpfwarden events --type exec,fo', ['fork']],
    ['bpfwarden events summary --by ', sorted(SUMMARY_KEYS)],
    ['bpfwarden events --db /x.db summary --b', ['--by']],
    ['bpfwarden db ', ['help', 'stats']],
    ['bpfwarden link attach 3 x', ['xdp']],
    ['bpfwarden completion f', ['fish']],
    ['bpfwarden firewall add --action ', ['drop', 'log', 'pass']],
  ];
  const got = zsh(f, ...cases.map(([line]) => line));
  cases.forEach(([line, want], i) => {
    assert.deepEqual(sorted(got[i] ?? []), want, line);
  });
});

test('a command added to the program is completed without touching the generators', (t) => {
  const root = new Command('bpfwarden');
  const widget = root.command('widget').description('a new command group');
  widget
    .command('paint')
    .description("paint it (it's new)")
    .addOption(new Option('--colour <c>', 'which colour').choices(['red', 'green']))
    .addArgument(new Argument('<file>', 'what to paint'))
    .action(() => {});
  const f = scripts(t, root);
  shellRun('bash', ['-n', f.bash]);
  shellRun('zsh', ['-n', f.zsh]);
  shellRun('fish', ['--no-execute', f.fish]);
  assert.deepEqual(bash(f.bash, 'bpfwarden', 'wid'), ['widget']);
  assert.deepEqual(bash(f.bash, 'bpfwarden', 'widget', 'p'), ['paint']);
  assert.deepEqual(bash(f.bash, 'bpfwarden', 'widget', 'paint', '--colour', ''), ['red', 'green']);
  assert.deepEqual(fish(f.fish, 'bpfwarden widget paint --colour g'), ['green']);
  assert.deepEqual(zsh(f.zsh, 'bpfwarden widget paint --colour r', 'bpfwarden wi'), [['red'], ['widget']]);
});
