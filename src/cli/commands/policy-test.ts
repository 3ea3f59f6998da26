/**
 * `bpfwarden policy test egress|exec`: a dry run. Would this connect or
 * exec be denied now (or at --at), and by which rule? The recorded rules
 * are compiled as for the kernel and read the way the programs read them.
 */

import type { Command } from 'commander';
import { compileEgress } from '../../domain/enforce/policy/compile-egress.ts';
import { compileExec } from '../../domain/enforce/policy/compile-exec.ts';
import { decideCompiledEgress, decideCompiledExec } from '../../domain/enforce/policy/evaluate.ts';
import { systemLocalClock } from '../../domain/enforce/policy/time-window.ts';
import { parseIp } from '../../domain/net/ip.ts';
import { parseTimeSpec, TimeSpecError } from '../../domain/time-spec.ts';
import { sha256OfFileSync } from '../../enforce/exec/sha256-file.ts';
import { readRulesFrom } from '../../enforce/policy/policy-service.ts';
import { cgroupAncestors, hostResolvers, resolveBinary } from '../../enforce/policy/resolvers.ts';
import { cgroup2Root } from '../../host/cgroup.ts';
import { USAGE } from '../errors.ts';
import { type CommonOptions, intFlag, withCommon } from './policy-options.ts';

interface TestFlags extends CommonOptions {
  uid?: string;
  cgroup?: string;
  at?: string;
}

function processOf(o: TestFlags, fail: (msg: string) => never): { uid: number; cgroupAncestors: number[] } {
  const uid = intFlag('--uid', o.uid, 0, 4294967294, fail) ?? process.getuid?.() ?? 0;
  const root = cgroup2Root();
  const path = o.cgroup ?? root;
  const ancestors = path ? cgroupAncestors(path) : [];
  if (!ancestors) {
    return fail(
      `invalid --cgroup "${o.cgroup}": not a cgroup v2 directory (the cgroup v2 root here is ${root ?? 'not mounted'})`,
    );
  }
  return { uid, cgroupAncestors: ancestors };
}

function atMs(o: TestFlags, fail: (msg: string) => never): number {
  if (o.at === undefined) return Date.now();
  try {
    return Math.floor(parseTimeSpec(o.at, Date.now() * 1000) / 1000);
  } catch (err) {
    if (err instanceof TimeSpecError) return fail(`invalid --at "${o.at}": expected ${err.expected}`);
    throw err;
  }
}

function withProcess(cmd: Command): Command {
  return cmd
    .option('--uid <n>', 'the process runs as this user id (default: yours)')
    .option('--cgroup <path>', 'the process is in this cgroup v2 directory (default: the root)')
    .option('--at <time>', 'at this time, for rules with time windows (default: now)');
}

export function registerPolicyTestCommand(policy: Command, out: NodeJS.WritableStream): void {
  const test = policy.command('test').description('dry run: would this be denied, and by which rule?');
  const report = (
    o: CommonOptions,
    what: string,
    d: { verdict: string; ruleId: number | null },
    problems: readonly { id: number; reason: string }[],
  ) => {
    if (o.json) {
      out.write(`${JSON.stringify({ ...d, problems })}\n`);
      return;
    }
    out.write(`${what}: ${d.verdict}${d.ruleId === null ? ' (no rule matches)' : ` by rule ${d.ruleId}`}\n`);
    for (const p of problems) out.write(`  note: rule ${p.id}: ${p.reason}\n`);
  };

  withCommon(
    withProcess(
      test
        .command('egress')
        .description('a connect() or UDP send to --addr and --port')
        .requiredOption('--addr <ip>', 'destination address (IPv4 or IPv6)')
        .requiredOption('--port <n>', 'destination port')
        .option('--protocol <p>', 'tcp|udp (default tcp)', 'tcp'),
    ),
  ).action((o: TestFlags & { addr: string; port: string; protocol: string }, cmd: Command) => {
    const fail = (msg: string): never => cmd.error(`error: ${msg}`, USAGE);
    const addr = parseIp(o.addr) ?? fail(`invalid --addr "${o.addr}": expected an IPv4 or IPv6 address`);
    const port = intFlag('--port', o.port, 0, 65535, fail) ?? 0;
    if (o.protocol !== 'tcp' && o.protocol !== 'udp')
      fail(`invalid --protocol "${o.protocol}": expected tcp or udp`);
    const proc = processOf(o, fail);
    const nowMs = atMs(o, fail);
    const rules = readRulesFrom(o.db).egress;
    const compiled = compileEgress(rules, { resolve: hostResolvers, nowMs, clock: systemLocalClock });
    const d = decideCompiledEgress(compiled, {
      addr,
      port,
      protocol: o.protocol === 'tcp' ? 6 : 17,
      ...proc,
    });
    report(o, `${o.protocol} ${o.addr} port ${port}`, d, compiled.problems);
  });

  withCommon(
    withProcess(
      test
        .command('exec')
        .description('an exec of --path (its identity and content are read from the file when it exists)')
        .requiredOption('--path <path>', "the filename as exec'd"),
    ),
  ).action((o: TestFlags & { path: string }, cmd: Command) => {
    const fail = (msg: string): never => cmd.error(`error: ${msg}`, USAGE);
    if (!o.path.startsWith('/')) fail(`invalid --path "${o.path}": expected an absolute path`);
    const proc = processOf(o, fail);
    const nowMs = atMs(o, fail);
    const rules = readRulesFrom(o.db).exec;
    const compiled = compileExec(rules, { resolve: hostResolvers, nowMs, clock: systemLocalClock });
    const d = decideCompiledExec(compiled, {
      path: o.path,
      binary: resolveBinary(o.path),
      sha256: compiled.sha256s.length ? contentOf(o.path) : undefined,
      ...proc,
    });
    report(o, `exec ${o.path}`, d, compiled.problems);
  });
}

/** The file's digest for content rules, when it can be read (a missing file has none). */
function contentOf(path: string): string | undefined {
  try {
    const h = sha256OfFileSync(path);
    return 'sha256' in h ? h.sha256 : undefined;
  } catch {
    return undefined;
  }
}
