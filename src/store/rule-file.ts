/**
 * Rule definitions in YAML: one rule per file, or `rules:` with a list.
 * Each is checked field by field (zod) and its query validated before it
 * can be stored; errors name the file, the rule and the problem.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BpfwardenError, type BpfwardenErrorOptions } from '../domain/errors.ts';
import { RULE_ID, type Rule, SEVERITIES } from '../domain/rules/rule.ts';
import { formatViolation, type ValidatedQuery, validateRuleQuery } from '../domain/rules/validate.ts';
import { parseDurationMs } from '../domain/time-spec.ts';
import { RULE_CATALOG } from './rule-catalog.ts';

const duration = z.union([
  z.number().int().min(0),
  z.string().transform((v, ctx) => {
    if (v === '0') return 0;
    try {
      return parseDurationMs(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a duration like 30s, 10m or 1h, or 0' });
      return z.NEVER;
    }
  }),
]);

export const RuleDefinitionSchema = z
  .object({
    id: z.string().regex(RULE_ID, 'must be lower-case letters, digits, ".", "_" or "-" (at most 64)'),
    name: z.string().min(1).max(200),
    description: z.string().max(4000).default(''),
    severity: z.enum(SEVERITIES),
    query: z.string().min(1),
    title: z.string().min(1).max(500).optional(),
    tags: z.array(z.string().min(1).max(100)).max(50).default([]),
    dedupe: z.string().min(1).max(500).optional(),
    throttle: duration.default(0),
    enabled: z.boolean().default(true),
  })
  .strict();

/** A rule definition that is not valid (code DETECTION_RULE_INVALID); the message lists every problem. */
export class RuleDefinitionError extends BpfwardenError {
  declare readonly code: 'DETECTION_RULE_INVALID';
  constructor(message: string, options?: BpfwardenErrorOptions) {
    super('DETECTION_RULE_INVALID', message, options);
  }
}

export interface CheckedRule {
  readonly rule: Rule;
  readonly query: ValidatedQuery;
}

/** Validates one raw rule definition; throws RuleDefinitionError listing every problem. */
export function checkRule(raw: unknown, where: string): CheckedRule {
  const r = RuleDefinitionSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown key ${i.keys.join(', ')}`;
      return `${i.path.length ? i.path.join('.') : '(rule)'}: ${i.message}`;
    });
    throw new RuleDefinitionError(`${where}: ${lines.join('; ')}`);
  }
  const d = r.data;
  const v = validateRuleQuery(d.query, RULE_CATALOG);
  if (!v.ok) {
    throw new RuleDefinitionError(
      `${where}: query rejected:\n${v.violations.map((x) => `  ${formatViolation(x)}`).join('\n')}`,
    );
  }
  return {
    rule: {
      id: d.id,
      name: d.name,
      description: d.description,
      severity: d.severity,
      query: d.query,
      title: d.title ?? d.name,
      tags: d.tags,
      dedupe: d.dedupe ?? null,
      throttleMs: d.throttle,
      enabled: d.enabled,
    },
    query: v.query,
  };
}

/** Raw definitions in a YAML document: a rule mapping, `rules: [...]`, or a list. */
export function ruleDocuments(text: string, path: string): unknown[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new RuleDefinitionError(`${path}: not valid YAML: ${(err as Error).message}`);
  }
  if (Array.isArray(doc)) return doc;
  if (doc && typeof doc === 'object' && 'rules' in doc) {
    const rules = (doc as { rules: unknown }).rules;
    if (!Array.isArray(rules)) throw new RuleDefinitionError(`${path}: rules: expected a list of rules`);
    return rules;
  }
  if (doc && typeof doc === 'object') return [doc];
  throw new RuleDefinitionError(`${path}: expected a rule (a mapping) or a list of rules`);
}

export function loadRuleFile(path: string): CheckedRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RuleDefinitionError(`cannot read ${path}: ${(err as Error).message}`);
  }
  // Every rule is checked, so one run reports every bad rule of the file.
  const checked: CheckedRule[] = [];
  const errors: string[] = [];
  ruleDocuments(text, path).forEach((raw, i) => {
    const id =
      raw && typeof raw === 'object' && 'id' in raw ? String((raw as { id: unknown }).id) : `#${i + 1}`;
    try {
      checked.push(checkRule(raw, `${path}: rule ${id}`));
    } catch (err) {
      if (!(err instanceof RuleDefinitionError)) throw err;
      errors.push(err.message);
    }
  });
  if (errors.length) throw new RuleDefinitionError(errors.join('\n'));
  return checked;
}

export interface DirectoryLoad {
  readonly rules: { readonly checked: CheckedRule; readonly source: string }[];
  readonly errors: string[];
}

/** Every *.yaml / *.yml in the directories (missing ones are skipped); bad files are reported, not fatal. */
export function loadRuleDirectories(dirs: readonly string[]): DirectoryLoad {
  const out: DirectoryLoad = { rules: [], errors: [] };
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      if (!statSync(dir).isDirectory()) continue;
      names = readdirSync(dir)
        .filter((n) => /\.ya?ml$/.test(n))
        .sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        for (const checked of loadRuleFile(path)) {
          const prev = seen.get(checked.rule.id);
          if (prev) {
            out.errors.push(`${path}: rule ${checked.rule.id} is already defined in ${prev}; skipped`);
            continue;
          }
          seen.set(checked.rule.id, path);
          out.rules.push({ checked, source: path });
        }
      } catch (err) {
        out.errors.push((err as Error).message);
      }
    }
  }
  return out;
}
