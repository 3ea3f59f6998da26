/**
 * Flags of `bpfwarden policy add|test` to rule bodies and queries, with
 * usage errors that name the flag. Shared by the policy subcommands.
 */
import type { Command } from 'commander';
import type { RuleIssue } from '../../domain/enforce/policy/rule-input.ts';
import { enforcePinRoot } from '../../host/enforce-pins.ts';
import { DEFAULT_DB_PATH, DEFAULT_ENFORCE_PIN_ROOT } from '../../host/paths.ts';

export interface CommonOptions {
  readonly db: string;
  readonly pinRoot?: string;
  readonly json?: boolean;
}

export function withCommon(cmd: Command): Command {
  return cmd
    .option('--db <path>', 'database file', DEFAULT_DB_PATH)
    .option(
      '--pin-root <dir>',
      `enforcement pin root under /sys/fs/bpf (default ${DEFAULT_ENFORCE_PIN_ROOT}; env BPFWARDEN_ENFORCE_PIN_ROOT)`,
    )
    .option('--json', 'JSON output (one object per line)');
}

export function pinRootOf(o: CommonOptions, fail: (msg: string) => never): string {
  if (o.pinRoot !== undefined) {
    if (!o.pinRoot.startsWith('/sys/fs/bpf/'))
      fail(`invalid --pin-root "${o.pinRoot}": expected a directory under /sys/fs/bpf/`);
    return o.pinRoot.replace(/\/+$/, '');
  }
  return enforcePinRoot();
}

/** Rule fields as the flags that set them. */
const FLAG: Readonly<Record<string, string>> = {
  cidr: '--cidr',
  ports: '--port',
  protocol: '--protocol',
  cgroup: '--cgroup',
  uid: '--uid',
  priority: '--priority',
  windows: '--window',
  comment: '--comment',
  path: '--path',
  binary: '--binary',
  sha256: '--sha256',
  action: 'the action flag',
};

export function issuesMessage(issues: readonly RuleIssue[]): string {
  return issues
    .map((i) => {
      const [field = '', index] = i.field.split('.');
      const flag = FLAG[field] ?? field;
      return `${flag}${index !== undefined && field === 'windows' ? ` (#${Number(index) + 1})` : ''}: ${i.message}`;
    })
    .join('\nerror: ');
}

/** A whole number within bounds, or a usage error naming the flag. */
export function intFlag(
  flag: string,
  v: string | undefined,
  min: number,
  max: number,
  fail: (msg: string) => never,
): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    return fail(`invalid ${flag} "${v}": expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** Exactly one of the action flags. */
export function oneAction<A extends string>(
  o: Readonly<Partial<Record<A, boolean>>>,
  actions: readonly A[],
  fail: (msg: string) => never,
): A {
  const set = actions.filter((a) => o[a]);
  if (set.length !== 1) {
    fail(
      `${set.length === 0 ? 'missing' : 'conflicting'} action: give exactly one of ${actions.map((a) => `--${a}`).join(', ')}`,
    );
  }
  return set[0]!;
}
