/** The pieces of the configuration layer: did-you-mean, env names, schema walk, merge, JSON scanner. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigSchema } from '../../../src/agent/config.ts';
import { didYouMean } from '../../../src/config/did-you-mean.ts';
import { coerceEnvValue, envLayer } from '../../../src/config/env-layer.ts';
import { envName, NOT_CONFIG, screamingSnake } from '../../../src/config/env-names.ts';
import { jsonSyntaxError } from '../../../src/config/json-text.ts';
import { decides, deepMerge } from '../../../src/config/merge.ts';
import { redact } from '../../../src/config/redact.ts';
import { keysAt, kindsOf, schemaAt } from '../../../src/config/schema-walk.ts';
import { projectRoot } from '../../../src/host/paths.ts';

describe('did you mean', () => {
  const keys = ['flushIntervalMs', 'maxQueue', 'worker', 'maxInFlightMiB'];
  it('finds typos, case slips and snake_case spellings', () => {
    assert.equal(didYouMean('flushIntervalMS', keys), 'flushIntervalMs');
    assert.equal(didYouMean('flushIntervallMs', keys), 'flushIntervalMs');
    assert.equal(didYouMean('flush_interval_ms', keys), 'flushIntervalMs');
    assert.equal(didYouMean('wroker', keys), 'worker');
    assert.equal(didYouMean('maxInflightMib', keys), 'maxInFlightMiB');
  });
  it('finds a key that contains the word (prefixes -> pathPrefixes)', () => {
    assert.equal(didYouMean('prefixes', ['enabled', 'pathPrefixes', 'excludeSelf']), 'pathPrefixes');
  });
  it('suggests nothing for an unrelated word', () => {
    assert.equal(didYouMean('colour', keys), undefined);
    assert.equal(didYouMean('x', ['to', 'keep']), undefined);
    assert.equal(didYouMean('anything', []), undefined);
  });
});

describe('environment names', () => {
  it('SCREAMING_SNAKE of camelCase, units as one word, __ between levels', () => {
    assert.equal(screamingSnake('flushIntervalMs'), 'FLUSH_INTERVAL_MS');
    assert.equal(screamingSnake('maxInFlightMiB'), 'MAX_IN_FLIGHT_MIB');
    assert.equal(screamingSnake('database'), 'DATABASE');
    assert.equal(envName(['store', 'flushIntervalMs']), 'BPFWARDEN_STORE__FLUSH_INTERVAL_MS');
    assert.equal(envName(['retention', 'maxAge']), 'BPFWARDEN_RETENTION__MAX_AGE');
  });
  it('every key of the schema maps back to itself through its variable name', () => {
    const walk = (path: string[]): string[][] => {
      const keys = keysAt(ConfigSchema, path);
      if (keys.length === 0) return [path];
      return keys.flatMap((k) => {
        const kinds = kindsOf(schemaAt(ConfigSchema, [...path, k]) as z.ZodType);
        return kinds.includes('object') ? walk([...path, k]) : [[...path, k]];
      });
    };
    const paths = walk([]);
    assert.ok(paths.length > 30, `${paths.length} keys`);
    for (const p of paths) {
      const { layer, problems } = envLayer(ConfigSchema, { [envName(p)]: '{}' });
      const notJson = problems.filter((x) => !/JSON|expected/.test(x.message));
      assert.deepEqual(notJson, [], envName(p));
      if (problems.length === 0) assert.ok(decides(layer.data, p), envName(p));
    }
  });
});

describe('environment values', () => {
  const s = (schema: z.ZodType, raw: string): unknown => coerceEnvValue(raw, schema);
  it('numbers, booleans and strings', () => {
    assert.deepEqual(s(z.number(), '50'), { value: 50 });
    assert.deepEqual(s(z.number(), '-1.5e3'), { value: -1500 });
    assert.deepEqual(s(z.number().int().default(3), ' 7 '), { value: 7 });
    assert.deepEqual(s(z.number(), 'fast'), { error: 'expected a number (got "fast")' });
    assert.deepEqual(s(z.boolean(), 'off'), { value: false });
    assert.deepEqual(s(z.boolean(), 'maybe'), { error: 'expected true or false (got "maybe")' });
    assert.deepEqual(s(z.string(), '50'), { value: '50' }, 'a string key keeps digits as text');
    assert.deepEqual(s(z.enum(['a', 'b']), 'c'), { value: 'c' }, 'the schema judges enums');
  });
  it('JSON for lists and mappings', () => {
    assert.deepEqual(s(z.array(z.string()), '["a","b"]'), { value: ['a', 'b'] });
    assert.deepEqual(s(z.record(z.string(), z.string()), '{"k":"v"}'), { value: { k: 'v' } });
    assert.match(
      String((s(z.array(z.string()), '[a') as { error: string }).error),
      /^not valid JSON: .*\(expected a JSON list like \["a","b"\]\)$/,
    );
    assert.deepEqual(s(z.array(z.number()), '1,2'), {
      error: 'expected a JSON list like ["a","b"] (got "1,2")',
    });
  });
  it('a union takes what fits', () => {
    const u = z.union([z.string(), z.array(z.string())]);
    assert.deepEqual(s(u, '/x'), { value: '/x' });
    assert.deepEqual(s(u, '["/x"]'), { value: ['/x'] });
    const n = z.union([z.number(), z.literal('auto')]);
    assert.deepEqual(s(n, '5'), { value: 5 });
    assert.deepEqual(s(n, 'auto'), { value: 'auto' });
  });
});

describe('schema walk', () => {
  it('keys at a path, through defaults, prefaults and discriminated unions', () => {
    assert.ok(keysAt(ConfigSchema, []).includes('store'));
    assert.deepEqual(keysAt(ConfigSchema, ['store']).sort(), [
      'flushIntervalMs',
      'maxInFlightMiB',
      'maxQueue',
      'worker',
    ]);
    const data = { alerts: { sinks: [{ type: 'file' }] } };
    const fileKeys = keysAt(ConfigSchema, ['alerts', 'sinks', 0], data);
    assert.ok(fileKeys.includes('path') && fileKeys.includes('keep'));
    assert.ok(!fileKeys.includes('url'), 'the discriminator picks the option');
    assert.deepEqual(keysAt(ConfigSchema, ['database']), []);
  });
  it('kinds of values', () => {
    const kinds = (p: string[]): string[] => kindsOf(schemaAt(ConfigSchema, p) as z.ZodType);
    assert.deepEqual(kinds(['store', 'flushIntervalMs']), ['number']);
    assert.deepEqual(kinds(['store', 'worker']), ['boolean']);
    assert.deepEqual(kinds(['rules', 'directory']), ['string', 'array']);
    assert.deepEqual(kinds(['monitors', 'process', 'attach']), ['record']);
    assert.deepEqual(kinds(['alerts', 'sinks']), ['array']);
  });
});

describe('merge', () => {
  it('mappings merge, lists and scalars replace, inputs untouched', () => {
    const a = { s: { x: 1, y: 2 }, l: [1, 2], v: 'a', keep: true };
    const b = { s: { y: 3, z: 4 }, l: [9], v: { now: 'mapping' } };
    assert.deepEqual(deepMerge(a, b), { s: { x: 1, y: 3, z: 4 }, l: [9], v: { now: 'mapping' }, keep: true });
    assert.deepEqual(a, { s: { x: 1, y: 2 }, l: [1, 2], v: 'a', keep: true });
    assert.deepEqual(deepMerge({ s: { x: 1 } }, { s: 5 }), { s: 5 });
  });
  it('the layer deciding a key: sets it, or replaces a list or scalar above it', () => {
    const data = { store: { maxQueue: 5 }, alerts: { sinks: [{ name: 'x' }] } };
    assert.equal(decides(data, ['store', 'maxQueue']), true);
    assert.equal(decides(data, ['store', 'worker']), false);
    assert.equal(decides(data, ['alerts', 'sinks', 0, 'retry', 'baseMs']), true);
    assert.equal(decides(data, ['database']), false);
  });
});

describe('JSON syntax errors are located', () => {
  const at = (text: string): [number, string] | undefined => {
    const e = jsonSyntaxError(text);
    return e ? [e.at, e.message] : undefined;
  };
  it('finds the first error and says what was expected', () => {
    assert.equal(at('{"a": [1, 2, {"b": null}], "c": "d\\n", "e": -1.5e3}'), undefined);
    assert.deepEqual(at('{"a": 1,}'), [8, 'expected a property name in double quotes, found "}"']);
    assert.deepEqual(at('{"a" 1}'), [5, 'expected \':\' after the property name, found "1"']);
    assert.deepEqual(at('{"a": }'), [6, 'expected a value, found "}"']);
    assert.deepEqual(at('[1 2]'), [3, "expected ',' or ']' after the value, found \"2\""]);
    assert.deepEqual(at('{"a": "b'), [8, 'expected the string to end with ", found the end of the text']);
    assert.deepEqual(at('{} x'), [3, 'expected the end of the text after the value, found "x"']);
    assert.deepEqual(at(''), [0, 'expected a value, found the end of the text']);
    assert.deepEqual(at('{"a": "\\q"}'), [
      8,
      'expected an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), found "q"',
    ]);
  });
});

describe('secrets', () => {
  it('are redacted wherever they sit; names of variables holding them are not', () => {
    const c = {
      alerts: { sinks: [{ secret: 's', secretEnv: 'HOOK', auth: { pass: 'p', passEnv: 'P' } }] },
      api: { token: 't' },
    };
    assert.deepEqual(redact(c), {
      alerts: {
        sinks: [{ secret: '(redacted)', secretEnv: 'HOOK', auth: { pass: '(redacted)', passEnv: 'P' } }],
      },
      api: { token: '(redacted)' },
    });
  });
});

describe('variables the code reads itself', () => {
  it('are all listed as not configuration', () => {
    const read = new Set<string>();
    const scan = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) scan(path);
        else if (/\.(ts|c)$/.test(e.name)) {
          for (const m of readFileSync(path, 'utf8').matchAll(
            /(?:env\.|env\[['"]|getenv\(")(BPFWARDEN_[A-Z0-9_]+)/g,
          )) {
            read.add(m[1] as string);
          }
        }
      }
    };
    scan(join(projectRoot(), 'src'));
    scan(join(projectRoot(), 'native', 'src'));
    assert.ok(read.has('BPFWARDEN_PIN_ROOT') && read.has('BPFWARDEN_DEBUG'), [...read].join(', '));
    const missing = [...read].filter((v) => !NOT_CONFIG.has(v));
    assert.deepEqual(missing, [], 'add them to NOT_CONFIG in src/config/env-names.ts');
  });
});
