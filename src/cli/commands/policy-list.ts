/** `bpfwarden policy list` and `policy log`: the recorded rules and every change to them (read-only). */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ruleOf } from '../../enforce/policy/policy-rules.ts';
import { eventsPinPath } from '../../host/enforce-pins.ts';
import { openDatabase } from '../../store/database.ts';
import { listPolicyChanges, listPolicyRules, type PolicyKind } from '../../store/policy-rules-store.ts';
import { USAGE } from '../errors.ts';
import { useColor } from '../format/color.ts';
import { formatLocalTime } from '../format/event-row.ts';
import { ruleMatch, ruleScope, ruleSummary, ruleWindows } from '../format/policy-rule.ts';
import { renderTable } from '../format/table.ts';
import { type CommonOptions, intFlag, pinRootOf, withCommon } from './policy-options.ts';

function readOnly<T>(path: string, fn: (db: ReturnType<typeof openDatabase>) => T): T {
  const db = openDatabase(path, { readOnly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function registerPolicyListCommands(policy: Command, out: NodeJS.WritableStream): void {
  withCommon(
    policy
      .command('list [kind]')
      .description('recorded rules (CLI and configuration file), and whether each kind is in the kernel'),
  ).action((kind: string | undefined, o: CommonOptions, cmd: Command) => {
    const fail = (msg: string): never => cmd.error(`error: ${msg}`, USAGE);
    if (kind !== undefined && kind !== 'egress' && kind !== 'exec')
      fail(`invalid kind "${kind}": expected egress or exec`);
    const pinRoot = pinRootOf(o, fail);
    const rules = readOnly(o.db, (db) => listPolicyRules(db, kind as PolicyKind | undefined));
    if (o.json) {
      for (const r of rules) {
        const v = ruleOf(r);
        out.write(
          `${JSON.stringify({
            id: r.id,
            kind: r.kind,
            source: r.source,
            ...r.body,
            createdUs: r.createdUs,
            updatedUs: r.updatedUs,
            ...('invalid' in v ? { invalid: v.invalid.message } : {}),
          })}\n`,
        );
      }
      return;
    }
    if (rules.length === 0) {
      (cmd.configureOutput().writeErr ?? ((s: string) => process.stderr.write(s)))('no policy rules\n');
    } else {
      out.write(
        renderTable(
          [
            { header: 'ID', align: 'right' },
            { header: 'KIND' },
            { header: 'SOURCE' },
            { header: 'ACTION' },
            { header: 'MATCH', max: 60 },
            { header: 'FOR', max: 60 },
            { header: 'PRIO', align: 'right' },
            { header: 'WHEN', max: 40 },
          ],
          rules.map((r) => {
            const valid = !('invalid' in ruleOf(r));
            return [
              String(r.id),
              r.kind,
              r.source,
              `${String(r.body.action ?? '?')}${valid ? '' : ' (INVALID: not applied)'}`,
              ruleMatch(r.kind, r.body),
              ruleScope(r.body),
              String(r.body.priority ?? 100),
              ruleWindows(r.body),
            ];
          }),
          { color: useColor(out as { isTTY?: boolean }, process.env) },
        ),
      );
    }
    for (const k of ['egress', 'exec'] as const) {
      if (kind !== undefined && kind !== k) continue;
      const loaded = existsSync(eventsPinPath(pinRoot, k));
      out.write(`${k}: ${loaded ? `in the kernel (pinned under ${pinRoot}/${k})` : 'not loaded'}\n`);
    }
  });

  withCommon(
    policy
      .command('log')
      .description('every change to the rules: who, when, what (oldest first)')
      .option('--rule <id>', 'only changes of this rule')
      .option('--limit <n>', 'newest changes to show (default 100)'),
  ).action((o: CommonOptions & { rule?: string; limit?: string }, cmd: Command) => {
    const fail = (msg: string): never => cmd.error(`error: ${msg}`, USAGE);
    const ruleId = intFlag('--rule', o.rule, 1, 4294967295, fail);
    const limit = intFlag('--limit', o.limit, 1, 100_000, fail) ?? 100;
    const changes = readOnly(o.db, (db) => listPolicyChanges(db, { ...(ruleId ? { ruleId } : {}), limit }));
    if (o.json) {
      for (const c of changes) out.write(`${JSON.stringify(c)}\n`);
      return;
    }
    out.write(
      renderTable(
        [
          { header: 'TIME' },
          { header: 'BY' },
          { header: 'USER' },
          { header: 'CHANGE' },
          { header: 'RULE', align: 'right' },
          { header: 'WHAT', max: 100 },
        ],
        changes.map((c) => [
          formatLocalTime(c.timeUs),
          c.actor,
          c.user ?? '-',
          c.op,
          String(c.ruleId),
          ruleSummary(c.kind, c.after ?? c.before ?? {}),
        ]),
        { color: useColor(out as { isTTY?: boolean }, process.env) },
      ),
    );
  });
}
