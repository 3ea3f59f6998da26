/**
 * Walks a zod schema by key path, so the configuration machinery works over
 * whatever the schema contains: which keys are valid at a path (for
 * did-you-mean), and what type a key expects (for environment values).
 * Wrappers (default, optional, pipe, ...) are looked through.
 */
import type { z } from 'zod';
import type { KeyPath } from './problem.ts';

/** The parts of zod's definition objects this walk reads. */
interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly getter?: () => z.ZodType;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
  readonly values?: readonly unknown[];
}

function def(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** The schema under every wrapper: what the value itself must be. */
export function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 64; i++) {
    const d = def(cur);
    if (WRAPPERS.has(d.type) && d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else if (d.type === 'lazy' && d.getter) cur = d.getter();
    else return cur;
  }
  return cur;
}

export type SchemaKind =
  | 'object'
  | 'record'
  | 'array'
  | 'union'
  | 'string'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'literal'
  | 'other';

const KINDS = new Set<string>(['object', 'record', 'array', 'union', 'string', 'number', 'boolean', 'enum']);

export function kindOf(s: z.ZodType): SchemaKind {
  const t = def(unwrap(s)).type;
  if (t === 'literal') return 'literal';
  if (t === 'int' || t === 'bigint') return 'number';
  return KINDS.has(t) ? (t as SchemaKind) : 'other';
}

/** The kinds a value may take: one, or each option of a union. */
export function kindsOf(s: z.ZodType): SchemaKind[] {
  const u = unwrap(s);
  const d = def(u);
  return d.type === 'union' ? [...new Set((d.options ?? []).flatMap(kindsOf))] : [kindOf(u)];
}

function literalValues(s: z.ZodType): readonly unknown[] {
  const d = def(unwrap(s));
  return d.type === 'literal' ? (d.values ?? []) : [];
}

function isRecordLike(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The keys an object accepts at this schema node: its shape, or for a union
 * of objects the option the data's discriminator picks (all options' keys
 * when it picks none). Undefined when the node is not an object.
 */
export function shapeOf(s: z.ZodType, data?: unknown): Readonly<Record<string, z.ZodType>> | undefined {
  const d = def(unwrap(s));
  if (d.type === 'object') return d.shape;
  if (d.type !== 'union') return undefined;
  const objects = (d.options ?? []).filter((o) => def(unwrap(o)).type === 'object');
  if (objects.length === 0) return undefined;
  const disc = d.discriminator;
  if (disc !== undefined && isRecordLike(data) && disc in data) {
    const chosen = objects.find((o) => {
      const field = def(unwrap(o)).shape?.[disc];
      return field !== undefined && literalValues(field).includes(data[disc]);
    });
    if (chosen) return def(unwrap(chosen)).shape;
  }
  return Object.assign({}, ...objects.map((o) => def(unwrap(o)).shape));
}

/** The schema of one child: an object's key, a record's value, an array's element. */
export function childOf(s: z.ZodType, key: string | number, data?: unknown): z.ZodType | undefined {
  const d = def(unwrap(s));
  if (d.type === 'record') return d.valueType;
  if (d.type === 'array') return typeof key === 'number' || /^\d+$/.test(key) ? d.element : undefined;
  const shape = shapeOf(s, data);
  return shape && Object.hasOwn(shape, key) ? shape[String(key)] : undefined;
}

/** The schema at a key path, reading the data alongside to pick union options. */
export function schemaAt(root: z.ZodType, path: KeyPath, data?: unknown): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  let v: unknown = data;
  for (const key of path) {
    if (!s) return undefined;
    s = childOf(s, key, v);
    v = isRecordLike(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[key] : undefined;
  }
  return s;
}

/** Keys valid at a path (for did-you-mean); empty when the path is not an object with fixed keys. */
export function keysAt(root: z.ZodType, path: KeyPath, data?: unknown): string[] {
  const s = schemaAt(root, path, data);
  const shape = s ? shapeOf(s, valueAt(data, path)) : undefined;
  return shape ? Object.keys(shape) : [];
}

export function valueAt(data: unknown, path: KeyPath): unknown {
  let v = data;
  for (const key of path) {
    if (!isRecordLike(v) && !Array.isArray(v)) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}
