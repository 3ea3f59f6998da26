/**
 * The environment as a layer: BPFWARDEN_<KEY>__<SUBKEY>=value, segments
 * matched to the schema's keys ignoring case and "_", values read as the
 * schema expects them (numbers, booleans, JSON for lists and mappings).
 */
import type { z } from 'zod';
import { didYouMean, normalizeName } from './did-you-mean.ts';
import { ENV_PREFIX, envName, NOT_CONFIG } from './env-names.ts';
import { type Layer, type PointEntry, pointLayer } from './layer.ts';
import type { ConfigProblem, KeyPath } from './problem.ts';
import { kindOf, kindsOf, type SchemaKind, shapeOf } from './schema-walk.ts';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  on: true,
  off: false,
  '1': true,
  '0': false,
};

function shown(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 79)}…` : v);
}

const JSON_EXAMPLE: Partial<Record<SchemaKind, string>> = {
  array: 'a JSON list like ["a","b"]',
  object: 'a JSON object like {"key":"value"}',
  record: 'a JSON object like {"key":"value"}',
};

/** The value for a key of this schema, or what was wrong with the text. */
export function coerceEnvValue(raw: string, schema: z.ZodType): { value: unknown } | { error: string } {
  const kinds = kindsOf(schema);
  const structured = kinds.filter((k) => JSON_EXAMPLE[k] !== undefined);
  const expected = structured.map((k) => JSON_EXAMPLE[k]).join(' or ');
  const text = raw.trim();
  if (structured.length > 0 && /^[[{]/.test(text)) {
    try {
      return { value: JSON.parse(text) };
    } catch (err) {
      return { error: `not valid JSON: ${(err as Error).message} (expected ${expected})` };
    }
  }
  if (structured.length === kinds.length) return { error: `expected ${expected} (got ${shown(raw)})` };
  if (kinds.includes('number') && NUMBER.test(text)) return { value: Number(text) };
  const bool = BOOLEANS[text.toLowerCase()];
  if (kinds.includes('boolean') && bool !== undefined) return { value: bool };
  if (kinds.length === 1 && kinds[0] === 'number') return { error: `expected a number (got ${shown(raw)})` };
  if (kinds.length === 1 && kinds[0] === 'boolean') {
    return { error: `expected true or false (got ${shown(raw)})` };
  }
  return { value: raw };
}

type Mapped =
  | { path: KeyPath; schema: z.ZodType }
  | { problem: string; path: KeyPath; unknownKey?: boolean }
  | 'not-config';

/** BPFWARDEN_STORE__FLUSH_INTERVAL_MS -> store.flushIntervalMs, through the schema. */
function mapName(root: z.ZodType, variable: string): Mapped {
  const segments = variable.slice(ENV_PREFIX.length).split('__');
  const path: string[] = [];
  let node = root;
  for (const seg of segments) {
    const kind = kindOf(node);
    if (kind === 'record' || kind === 'array') {
      const what = kind === 'array' ? 'a list' : 'a mapping with keys of your choice';
      return { path, problem: `is ${what}: set it whole as JSON in ${envName(path)}` };
    }
    const shape = shapeOf(node);
    if (!shape) return { path, problem: `is a single value with no keys under it: set ${envName(path)}` };
    const keys = Object.keys(shape);
    const key = keys.find((k) => normalizeName(k) === normalizeName(seg));
    if (key === undefined) {
      const guess = seg === '' ? undefined : didYouMean(seg, keys);
      // A lone unknown word is some other program's variable, unless it is a near miss of a key.
      if (segments.length === 1 && guess === undefined) return 'not-config';
      const hint = guess
        ? `did you mean ${envName([...path, guess])} (${[...path, guess].join('.')})?`
        : `the keys${path.length ? ` under ${path.join('.')}` : ''} are ${keys.join(', ')}`;
      return { path: [...path, seg], problem: hint, unknownKey: true };
    }
    path.push(key);
    node = shape[key] as z.ZodType;
  }
  return { path, schema: node };
}

/** The environment's settings as a layer, and the variables that could not be read. */
export function envLayer(
  root: z.ZodType,
  env: NodeJS.ProcessEnv,
): { layer: Layer; problems: ConfigProblem[] } {
  const entries: PointEntry[] = [];
  const problems: ConfigProblem[] = [];
  const names = Object.keys(env)
    .filter((n) => n.startsWith(ENV_PREFIX) && !NOT_CONFIG.has(n))
    .sort();
  for (const variable of names) {
    const raw = env[variable];
    if (raw === undefined) continue;
    const origin = { kind: 'env', variable } as const;
    const m = mapName(root, variable);
    if (m === 'not-config') continue;
    if ('problem' in m) {
      problems.push({
        origin,
        path: m.path,
        message: m.problem,
        ...(m.unknownKey ? { unknownKey: true } : {}),
      });
      continue;
    }
    const v = coerceEnvValue(raw, m.schema);
    if ('error' in v) problems.push({ origin, path: m.path, message: v.error });
    else entries.push({ path: m.path, value: v.value, origin });
  }
  return { layer: pointLayer('environment', entries), problems };
}
