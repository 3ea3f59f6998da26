/** The error registry: every kind has its three statuses, every code is defined once, a field reaches the API body. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import Fastify from 'fastify';
import { ApiClientError } from '../../../src/api/client.ts';
import { CallStatus, callStatusOf } from '../../../src/api/grpc/errors.ts';
import { installErrorHandler } from '../../../src/api/http/errors.ts';
import { describeError } from '../../../src/cli/errors.ts';
import { requireRule } from '../../../src/domain/enforce/firewall/validate.ts';
import { ERROR_CODES, type ErrorCode } from '../../../src/domain/error-codes.ts';
import { ERROR_KINDS, ExitCode, KIND_STATUS } from '../../../src/domain/error-kinds.ts';
import {
  apiBodyOf,
  apiCodeOf,
  BpfwardenError,
  httpStatusOf,
  kindOfApiCode,
} from '../../../src/domain/errors.ts';
import { BpfError } from '../../../src/ebpf/errors.ts';

const SRC = join(import.meta.dirname, '../../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.parentPath.includes('/gen'))
    .map((e) => join(e.parentPath, e.name));
}

test('every kind maps to an HTTP status, a gRPC status and a documented exit code', () => {
  const exits = new Set<number>(Object.values(ExitCode));
  for (const kind of ERROR_KINDS) {
    const s = KIND_STATUS[kind];
    assert.ok(STATUS_CODES[s.http] && s.http >= 400, `${kind}: HTTP ${s.http}`);
    assert.equal(typeof status[s.grpc], 'number', `${kind}: gRPC ${s.grpc}`);
    assert.notEqual(status[s.grpc], status.OK, kind);
    assert.ok(exits.has(s.exit) && s.exit !== ExitCode.OK, `${kind}: exit ${s.exit}`);
  }
  assert.deepEqual(Object.keys(KIND_STATUS).sort(), [...ERROR_KINDS].sort());
});

test('every code is defined once, AREA_WHAT, with a known kind', () => {
  // Counted in the source text: an object literal keeps the last of two equal keys silently.
  const text = readFileSync(join(SRC, 'domain/error-codes.ts'), 'utf8');
  const keys = [...text.matchAll(/^ {2}([A-Z][A-Z0-9_]*): \{/gm)].map((m) => m[1]);
  assert.equal(keys.length, Object.keys(ERROR_CODES).length);
  assert.deepEqual(
    keys.filter((k, i) => keys.indexOf(k) !== i),
    [],
    'codes defined twice',
  );
  for (const [code, def] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^[A-Z]+_[A-Z0-9_]+$/, code);
    assert.ok((ERROR_KINDS as readonly string[]).includes(def.kind), code);
  }
});

test('every code an area throws is in the registry (no code outside it)', () => {
  const thrown = new Map<string, string>();
  const ctor = /new (?:[A-Z]\w*Error|CliError|HttpError)\(\s*'([A-Za-z_.]+)'|code: '([A-Z][A-Za-z_.]+)'/g;
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(ctor)) {
      const code = m[1] ?? m[2];
      if (code) thrown.set(code, file);
    }
  }
  const errno = /^E[A-Z0-9]+$/; // BpfError's errno codes
  const outside = [...thrown].filter(([code]) => !(code in ERROR_CODES) && !errno.test(code));
  assert.deepEqual(outside, []);
  assert.ok(thrown.size > 40, `found ${thrown.size} thrown codes`);
});

test('an API code that several areas kept names one kind (the CLI reads the kind back)', () => {
  const kinds = new Map<string, Set<string>>();
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    const def = ERROR_CODES[code];
    const api = 'api' in def ? def.api : code;
    kinds.set(api, (kinds.get(api) ?? new Set()).add(def.kind));
  }
  for (const [api, k] of kinds) assert.equal(k.size, 1, `${api}: ${[...k].join(', ')}`);
  assert.equal(kindOfApiCode('RULE_NOT_FOUND'), 'not-found');
  assert.equal(kindOfApiCode('BAD_FILTER'), 'usage');
  assert.equal(kindOfApiCode('no such code'), undefined);
});

test('an error with a field gives an API body naming it, with its legacy code and its kind status', async () => {
  let err: unknown;
  try {
    requireRule({ id: 1, action: 'drop', dport: '70000' });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof BpfwardenError);
  assert.equal(err.code, 'FIREWALL_BAD_RULE');
  assert.equal(err.kind, 'invalid');
  assert.equal(err.field, 'dport');
  assert.equal(apiCodeOf(err), 'BAD_RULE');
  assert.deepEqual(apiBodyOf(err), { error: { code: 'BAD_RULE', message: err.message, field: 'dport' } });

  // The same through the REST error handler.
  const app = Fastify();
  installErrorHandler(app);
  app.post('/r', async () => {
    throw err;
  });
  const r = await app.inject({ method: 'POST', url: '/r' });
  await app.close();
  assert.equal(r.statusCode, 400);
  assert.deepEqual(r.json(), { error: { code: 'BAD_RULE', message: err.message, field: 'dport' } });
});

test('one error, three surfaces: HTTP status, gRPC status and exit code all from its kind', () => {
  const eperm = new BpfError('EPERM', 'bpf: Operation not permitted');
  assert.equal(eperm.kind, 'privilege');
  assert.equal(httpStatusOf(eperm), 403);
  assert.equal(callStatusOf(eperm).code, status.PERMISSION_DENIED);
  assert.equal(describeError(eperm).exitCode, ExitCode.NOT_READY);
  const missing = new BpfError('ENOENT', 'no map x');
  assert.equal(httpStatusOf(missing), 404);
  assert.equal(describeError(missing).exitCode, ExitCode.FAILURE);
  // A field leads the gRPC details, in the caller's spelling.
  const withField = requireRuleError();
  assert.equal(callStatusOf(withField, (f) => `proto_${f}`).details.split(':')[0], 'proto_dport');
  assert.equal(new CallStatus('exhausted', 'x').code, status.RESOURCE_EXHAUSTED);
  // Anything not ours is internal.
  assert.equal(callStatusOf(new TypeError('bug')).code, status.INTERNAL);
});

function requireRuleError(): BpfwardenError {
  try {
    requireRule({ id: 1, action: 'drop', dport: 'x' });
  } catch (e) {
    if (e instanceof BpfwardenError) return e;
  }
  throw new Error('requireRule accepted a bad port');
}

test("the CLI exits on an agent's error answer as it would on the error itself", () => {
  const exit = (code: string, status: number): number =>
    describeError(new ApiClientError(code, status, 'm')).exitCode;
  assert.equal(exit('BAD_FILTER', 400), ExitCode.USAGE);
  assert.equal(exit('BAD_REQUEST', 400), ExitCode.FAILURE);
  assert.equal(exit('EPERM', 403), ExitCode.NOT_READY);
  assert.equal(exit('API_ERROR', 502), ExitCode.FAILURE);
  const e = new ApiClientError('RULE_NOT_FOUND', 404, 'no rule', 'id');
  assert.deepEqual(
    [e.code, e.remoteCode, e.kind, e.field],
    ['API_REMOTE', 'RULE_NOT_FOUND', 'not-found', 'id'],
  );
});
