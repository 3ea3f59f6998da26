/**
 * `bpfwarden policy list|add|rm|test|apply|unload|log`: egress and exec
 * rules. Changes are validated, recorded with a change-log row, and applied
 * to the kernel through the pins (loading the programs when a kind had
 * none), so they work with or without a running agent.
 */
import type { Command } from 'commander';
import {
  EGRESS_ACTIONS,
  EXEC_ACTIONS,
  type PolicyKind,
  PROTOCOLS,
} from '../../domain/enforce/policy/rule.ts';
import { Kernel, nativeBridge } from '../../ebpf/index.ts';
import { MAX_HASH_BYTES, sha256OfFileSync } from '../../enforce/exec/sha256-file.ts';
import { policyAdmin } from '../../enforce/policy/factory.ts';
import {
  type AdminContext,
  addRule,
  applyPolicy,
  type KindReports,
  RuleInputError,
  removeRules,
  unloadPolicy,
} from '../../enforce/policy/policy-admin.ts';
import type { ApplyReport } from '../../enforce/policy/policy-component.ts';
import { ensureMounts } from '../../host/mounts.ts';
import { USAGE } from '../errors.ts';
import { ruleSummary } from '../format/policy-rule.ts';
import { registerPolicyListCommands } from './policy-list.ts';
import {
  type CommonOptions,
  intFlag,
  issuesMessage,
  oneAction,
  pinRootOf,
  withCommon,
} from './policy-options.ts';
import { registerPolicyTestCommand } from './policy-test.ts';

const KINDS: readonly PolicyKind[] = ['egress', 'exec'];

interface RuleFlags extends CommonOptions {
  cgroup?: string;
  uid?: string;
  priority?: string;
  window?: string[];
  comment?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function withScope(cmd: Command): Command {
  return cmd
    .option('--cgroup <path>', 'only processes in this cgroup v2 directory or below it')
    .option('--uid <n>', 'only processes with this (real) user id')
    .option('--priority <n>', 'lower is tried first (0 to 65535, default 100)')
    .option(
      '--window <spec>',
      'active only then, local time, e.g. "Mon-Fri 09:00-17:00" (repeatable)',
      collect,
    )
    .option('--comment <text>', 'a note kept with the rule');
}

export function context(o: CommonOptions, fail: (msg: string) => never, kernel: boolean): AdminContext {
  const pinRoot = pinRootOf(o, fail);
  if (!kernel) return policyAdmin({ dbPath: o.db, pinRoot, actor: 'cli' });
  const bridge = nativeBridge();
  ensureMounts(new Kernel(bridge)); // bpffs, for the pins
  return policyAdmin({ dbPath: o.db, pinRoot, bridge, actor: 'cli' });
}

/** --sha256 as given, or the digest of --sha256-of's file read now; at most one of them. */
function sha256Flag(
  o: { sha256?: string; sha256Of?: string },
  fail: (msg: string) => never,
): string | undefined {
  if (o.sha256 !== undefined && o.sha256Of !== undefined)
    return fail('give --sha256 or --sha256-of, not both');
  if (o.sha256Of === undefined) return o.sha256;
  let h: ReturnType<typeof sha256OfFileSync>;
  try {
    h = sha256OfFileSync(o.sha256Of);
  } catch (err) {
    return fail(`--sha256-of: cannot read ${o.sha256Of}: ${(err as Error).message}`);
  }
  if ('tooLarge' in h) {
    return fail(
      `--sha256-of: ${o.sha256Of} is ${h.tooLarge} bytes, over the ${MAX_HASH_BYTES} the agent hashes`,
    );
  }
  return h.sha256;
}

function kindsArg(kind: string | undefined, fail: (msg: string) => never): PolicyKind[] {
  if (kind === undefined) return [...KINDS];
  if (kind !== 'egress' && kind !== 'exec') return fail(`invalid kind "${kind}": expected egress or exec`);
  return [kind];
}

function reportLine(kind: PolicyKind, r: ApplyReport): string {
  const state =
    r.mode === 'unchanged' && !r.loaded && r.rules === 0
      ? 'no rules'
      : `${r.rules} rule${r.rules === 1 ? '' : 's'} in the kernel, ${r.active} active`;
  const notes = [
    r.loaded ? 'programs loaded and pinned now' : '',
    r.mode === 'swapped' ? 'new rule set switched in' : r.mode === 'windows' ? 'time windows flipped' : '',
    r.nextEdgeMs !== undefined ? `next time-window edge ${new Date(r.nextEdgeMs).toISOString()}` : '',
  ].filter(Boolean);
  const problems = r.problems.map((p) => `\n  rule ${p.id}: ${p.reason}`).join('');
  return `${kind}: ${state}${notes.length ? ` (${notes.join('; ')})` : ''}${problems}\n`;
}

function writeReports(out: NodeJS.WritableStream, reports: KindReports): void {
  for (const k of KINDS) {
    const r = reports[k];
    if (r) out.write(reportLine(k, r));
  }
}

function jsonReports(reports: KindReports): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(reports).map(([k, r]) => [k, { ...r, nextEdgeMs: r.nextEdgeMs ?? null }]),
  );
}

export function registerPolicyCommand(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  const policy = program
    .command('policy')
    .description('egress and exec policy: rules enforced in the kernel (see docs/enforcement.md)')
    .addHelpText(
      'after',
      `
Examples:
  $ bpfwarden policy add egress --deny --cidr 10.0.0.0/8 --port 443 --cgroup /sys/fs/cgroup/unified/app
  $ bpfwarden policy add exec --kill --path /usr/bin/nc --uid 1000
  $ bpfwarden policy test egress --addr 10.1.2.3 --port 443 --cgroup /sys/fs/cgroup/unified/app
  $ bpfwarden policy test exec --path /usr/bin/nc --uid 1000 --at "2026-11-23 10:00"
  $ bpfwarden policy list
  $ bpfwarden policy rm 7
  $ bpfwarden policy log --rule 7

Changes are recorded and applied to the kernel at once, with or without a running agent.`,
    );

  registerPolicyListCommands(policy, out);

  const add = policy.command('add').description('add a rule and apply it to the kernel');
  /** Runs an add: input errors are usage errors naming the flag. */
  const runAdd = (cmd: Command, o: RuleFlags, kind: PolicyKind, body: Record<string, unknown>): void => {
    const fail = (msg: string): never => cmd.error(`error: ${msg}`, USAGE);
    const scope = {
      ...(o.cgroup !== undefined ? { cgroup: o.cgroup } : {}),
      ...(o.uid !== undefined ? { uid: intFlag('--uid', o.uid, 0, 4294967294, fail) } : {}),
      ...(o.priority !== undefined ? { priority: intFlag('--priority', o.priority, 0, 65535, fail) } : {}),
      ...(o.window ? { windows: o.window } : {}),
      ...(o.comment !== undefined ? { comment: o.comment } : {}),
    };
    const ctx = context(o, fail, true);
    let r: ReturnType<typeof addRule>;
    try {
      r = addRule(ctx, kind, { ...body, ...scope });
    } catch (err) {
      if (err instanceof RuleInputError) fail(issuesMessage(err.issues));
      throw err;
    }
    if (o.json) {
      out.write(
        `${JSON.stringify({ id: r.id, kind, ...r.body, applied: jsonReports({ [kind]: r.applied }) })}\n`,
      );
      return;
    }
    out.write(`added ${kind} rule ${r.id}: ${ruleSummary(kind, r.body)}\n`);
    writeReports(out, { [kind]: r.applied });
    if (r.body.sha256 !== undefined) {
      out.write(
        'note: sha256 rules are checked while `bpfwarden agent` runs; without it they are passed over\n',
      );
    }
  };

  withCommon(
    withScope(
      add
        .command('egress')
        .description('a connect()/sendmsg() rule: deny (EPERM), allow, or audit (record, allow)')
        .option('--deny', 'the call fails with EPERM (and is recorded)')
        .option('--allow', 'allowed: stops lower-priority rules from matching')
        .option('--audit', 'allowed and recorded')
        .option('--cidr <cidr>', 'destination prefix, IPv4 or IPv6 (default: any)')
        .option('--port <port>', 'destination port or range, e.g. 443 or 8000-8080 (default: any)')
        .option('--protocol <p>', `${PROTOCOLS.join('|')} (default: any)`),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ bpfwarden policy add egress --deny --cidr 10.0.0.0/8 --port 443 --cgroup /sys/fs/cgroup/unified/app
  $ bpfwarden policy add egress --allow --cidr 10.0.0.53 --port 53 --protocol udp --priority 10
  $ bpfwarden policy add egress --audit --cidr 2001:db8::/32 --window "Mon-Fri 09:00-17:00"`,
    )
    .action(
      (
        o: RuleFlags & {
          deny?: boolean;
          allow?: boolean;
          audit?: boolean;
          cidr?: string;
          port?: string;
          protocol?: string;
        },
        cmd: Command,
      ) => {
        const action = oneAction(o, EGRESS_ACTIONS, (m) => cmd.error(`error: ${m}`, USAGE));
        runAdd(cmd, o, 'egress', {
          action,
          ...(o.cidr !== undefined ? { cidr: o.cidr } : {}),
          ...(o.port !== undefined ? { ports: o.port } : {}),
          ...(o.protocol !== undefined ? { protocol: o.protocol } : {}),
        });
      },
    );

  withCommon(
    withScope(
      add
        .command('exec')
        .description('an exec rule: kill (SIGKILL before the program runs) or audit (record only)')
        .option('--kill', 'the process is killed on exec (and it is recorded)')
        .option('--audit', 'it runs, and is recorded')
        .option('--path <path>', "the filename exactly as exec'd, e.g. /usr/bin/nc")
        .option(
          '--binary <file>',
          'this file by identity (inode and device): any name, hard link or symlink to it (not a copy)',
        )
        .option('--sha256 <hex>', 'any file with this content (SHA-256, 64 hex digits): copies too')
        .option('--sha256-of <file>', 'as --sha256, with the digest of this file now'),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ bpfwarden policy add exec --kill --path /usr/bin/nc --uid 1000
  $ bpfwarden policy add exec --kill --binary /usr/bin/nc.openbsd --window "Mon-Fri 09:00-17:00"
  $ bpfwarden policy add exec --audit --path /usr/bin/curl --cgroup /sys/fs/cgroup/unified/ci
  $ bpfwarden policy add exec --kill --sha256-of /usr/bin/nc.openbsd

--sha256 rules are checked by the running agent: the first exec of each new
file waits, stopped, until the agent has hashed it (see docs/enforcement.md).`,
    )
    .action(
      (
        o: RuleFlags & {
          kill?: boolean;
          audit?: boolean;
          path?: string;
          binary?: string;
          sha256?: string;
          sha256Of?: string;
        },
        cmd: Command,
      ) => {
        const fail = (m: string): never => cmd.error(`error: ${m}`, USAGE);
        const action = oneAction(o, EXEC_ACTIONS, fail);
        const sha256 = sha256Flag(o, fail);
        runAdd(cmd, o, 'exec', {
          action,
          ...(o.path !== undefined ? { path: o.path } : {}),
          ...(o.binary !== undefined ? { binary: o.binary } : {}),
          ...(sha256 !== undefined ? { sha256 } : {}),
        });
      },
    );

  withCommon(policy.command('rm <id...>').description('remove rules (added by the CLI) and apply')).action(
    (ids: string[], o: CommonOptions, cmd: Command) => {
      const fail = (msg: string): never => cmd.error(`error: ${msg}`, USAGE);
      const nums = ids.map((id) => intFlag('rule id', id, 1, 4294967295, fail) ?? 0);
      const r = removeRules(context(o, fail, true), nums);
      if (o.json) {
        out.write(
          `${JSON.stringify({ removed: r.removed.map((x) => x.id), applied: jsonReports(r.applied) })}\n`,
        );
        return;
      }
      for (const x of r.removed)
        out.write(`removed ${x.kind} rule ${x.id}: ${ruleSummary(x.kind, x.body)}\n`);
      writeReports(out, r.applied);
    },
  );

  registerPolicyTestCommand(policy, out);

  withCommon(
    policy
      .command('apply [kind]')
      .description('make the kernel match the recorded rules again (re-reads cgroup ids and binaries)'),
  ).action((kind: string | undefined, o: CommonOptions, cmd: Command) => {
    const fail = (msg: string): never => cmd.error(`error: ${msg}`, USAGE);
    const reports = applyPolicy(context(o, fail, true), kindsArg(kind, fail));
    if (o.json) out.write(`${JSON.stringify(jsonReports(reports))}\n`);
    else writeReports(out, reports);
  });

  withCommon(
    policy
      .command('unload [kind]')
      .description('detach the programs and remove their pins: enforcement stops (rules stay recorded)'),
  ).action((kind: string | undefined, o: CommonOptions, cmd: Command) => {
    const fail = (msg: string): never => cmd.error(`error: ${msg}`, USAGE);
    const kinds = kindsArg(kind, fail);
    const unloaded = unloadPolicy(context(o, fail, true), kinds);
    if (o.json) {
      out.write(`${JSON.stringify({ unloaded })}\n`);
      return;
    }
    for (const k of kinds) out.write(`${k}: ${unloaded.includes(k) ? 'unloaded' : 'was not loaded'}\n`);
  });
}
