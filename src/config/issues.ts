/**
 * zod issues as configuration problems: one per key, each naming where the
 * value came from, the key, the value and what was expected; unknown keys
 * come with the nearest valid key.
 */
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';
import type { ConfigProblem, KeyPath, Origin } from './problem.ts';
import { isSecretKey, REDACTED } from './redact.ts';
import { keysAt, valueAt } from './schema-walk.ts';

export function shownValue(v: unknown, key?: string | number): string {
  if (key !== undefined && isSecretKey(key)) return REDACTED;
  const s = v instanceof Date ? JSON.stringify(v.toISOString()) : JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

/** The expected types of a union whose options all failed on the value's type. */
function unionExpected(issue: z.core.$ZodIssueInvalidUnion): string | undefined {
  const expected = issue.errors.map((errs) => {
    const first = errs[0];
    return errs.length === 1 && first?.code === 'invalid_type' && first.path.length === 0
      ? first.expected
      : undefined;
  });
  if (expected.length === 0 || expected.some((e) => e === undefined)) return undefined;
  return [...new Set(expected)].join(' or ');
}

function describe(issue: z.core.$ZodIssue, present: boolean): string {
  if (issue.code === 'invalid_type' && !present) return `missing: expected ${issue.expected}`;
  if (issue.code === 'invalid_union' && issue.discriminator === undefined && issue.errors.length > 0) {
    const expected = unionExpected(issue);
    if (expected) return `Invalid input: expected ${expected}`;
    // One option came closest: its own message is the useful one.
    const best =
      issue.errors.find((e) => e.length > 0 && e.every((i) => i.path.length > 0)) ?? issue.errors[0];
    if (best?.[0]) return best[0].message;
  }
  // A bad record key: zod's own text ("Invalid key in record") hides the key schema's message.
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  return issue.message;
}

function unknownKey(schema: z.ZodType, parent: KeyPath, key: string, data: unknown): string {
  const keys = keysAt(schema, parent, data);
  const guess = didYouMean(key, keys);
  if (guess !== undefined) return `did you mean ${[...parent, guess].join('.')}?`;
  if (keys.length > 0 && keys.length <= 16) return `the keys here are ${keys.join(', ')}`;
  return '';
}

/**
 * Problems from a failed parse of `data`; the first problem at a key wins
 * (a value both fractional and too small is one problem, not two).
 */
export function issuesToProblems(
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  originOf: (path: KeyPath) => Origin,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Set<string>();
  const add = (path: KeyPath, message: string, unknownKey = false): void => {
    const k = path.join('\0');
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ origin: originOf(path), path, message, ...(unknownKey ? { unknownKey } : {}) });
  };
  for (const issue of issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...path, key], unknownKey(schema, path, key, data), true);
      continue;
    }
    // A bad record key: the key is what was wrong, not its value.
    const v = issue.code === 'invalid_key' ? path[path.length - 1] : valueAt(data, path);
    const present = v !== undefined;
    const shown = present ? shownValue(v, path[path.length - 1]) : '';
    // A custom message that already quotes the value needs no echo of it.
    const echoed = issue.code === 'custom' && typeof v === 'string' && issue.message.includes(v);
    const got = present && !echoed ? ` (got ${shown})` : '';
    if (path.length === 0 && issue.code === 'invalid_type') {
      add(path, `expected a mapping of settings at the top level${got}`);
      continue;
    }
    add(path, `${describe(issue, present)}${got}`);
  }
  return out;
}
