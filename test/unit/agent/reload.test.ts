/**
 * applyReload against a real detection engine on a temporary database:
 * live keys applied and logged, restart keys listed and kept, a failing
 * rebuild keeps the running engine, rule files re-read when nothing changed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Config, parseConfig } from '../../../src/agent/config.ts';
import { DetectionEngine } from '../../../src/agent/detection/engine.ts';
import { applyReload, LIVE_KEYS } from '../../../src/agent/reload.ts';
import { listRules } from '../../../src/store/rules-store.ts';
import { tempDb } from '../rules/helpers.ts';

const ctx = tempDb();
const rulesDir = join(ctx.dir, 'rules');
mkdirSync(rulesDir);
const engines: DetectionEngine[] = [];
after(async () => {
  // Engines a reload replaced are stopped already; a second stop fails on the closed database.
  for (const e of engines) await e.stop().catch(() => undefined);
  ctx.db.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

function config(over: Record<string, unknown> = {}): Config {
  return parseConfig({ database: ctx.path, rules: { directory: rulesDir }, ...over });
}

function engine(c: Config, log: (l: string) => void): DetectionEngine {
  const e = new DetectionEngine({ dbPath: c.database, rules: c.rules, alerts: c.alerts, log });
  engines.push(e);
  e.start();
  return e;
}

const RULE = (id: string): string => `id: ${id}
name: ${id}
severity: low
query: SELECT id, pid, comm, type FROM new_process_events WHERE comm = '${id}'
`;

test('the live keys: detection, alert delivery and the filters in kernel maps', () => {
  assert.deepEqual([...LIVE_KEYS].sort(), [
    'alerts',
    'monitors.drop.excludeSelf',
    'monitors.file.cgroupIds',
    'monitors.file.excludeSelf',
    'monitors.file.pathPrefixes',
    'monitors.net.excludeSelf',
    'rules',
  ]);
});

test('live changes are applied and logged one per line; the rest wait for a restart', async () => {
  const logs: string[] = [];
  const log = (l: string): void => {
    logs.push(l);
  };
  const current = config();
  const old = engine(current, log);
  const next = config({
    rules: { directory: rulesDir, intervalMs: 50 },
    store: { flushIntervalMs: 100 },
    monitors: { drop: { maxEventsPerSecond: 10 }, file: { pathPrefixes: ['/etc/'] } },
    alerts: { sinks: [{ name: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/h', secret: 'hunter2' }] },
  });
  const r = await applyReload(current, next, { monitors: [], detection: old, log });
  assert.notEqual(r.detection, old, 'a new engine');
  assert.ok(r.detection);
  engines.push(r.detection);
  assert.deepEqual(r.applied, ['monitors.file.pathPrefixes', 'rules.intervalMs', 'alerts.sinks']);
  assert.deepEqual(r.restart, ['monitors.drop.maxEventsPerSecond', 'store.flushIntervalMs']);
  assert.deepEqual(r.failed, []);
  assert.equal(r.config.rules.intervalMs, 50);
  assert.deepEqual(r.config.monitors.file.pathPrefixes, ['/etc/']);
  assert.equal(r.config.store.flushIntervalMs, current.store.flushIntervalMs, 'keeps its running value');
  assert.equal(r.config.monitors.drop.maxEventsPerSecond, current.monitors.drop.maxEventsPerSecond);
  const reload = logs.filter((l) => l.startsWith('reload: '));
  assert.deepEqual(reload.slice(0, 2), [
    'reload: monitors.file.pathPrefixes: [] -> ["/etc/"]',
    'reload: rules.intervalMs: 25 -> 50',
  ]);
  assert.match(
    reload[2] ?? '',
    /^reload: alerts\.sinks: \[\{"name":"log".*\] -> \[\{"name":"hook".*"secret":"\(redacted\)"/,
  );
  assert.doesNotMatch(logs.join('\n'), /hunter2/, 'secrets never logged');
  assert.equal(
    reload[3],
    'reload: needs a restart to take effect: monitors.drop.maxEventsPerSecond, store.flushIntervalMs',
  );
  assert.equal(reload.length, 4);
});

test('a rebuild that fails keeps the running engine and the old values', async () => {
  const logs: string[] = [];
  const current = config();
  const old = engine(current, (l) => logs.push(l));
  const next = config({
    alerts: {
      sinks: [
        {
          name: 'hook',
          type: 'webhook',
          url: 'http://127.0.0.1:9/h',
          secretEnv: 'BPFWARDEN_TEST_UNSET_SECRET',
        },
      ],
    },
  });
  const r = await applyReload(current, next, { monitors: [], detection: old, log: (l) => logs.push(l) });
  assert.equal(r.detection, old, 'the running engine stays');
  assert.deepEqual(r.failed, ['alerts.sinks']);
  assert.deepEqual(r.applied, []);
  assert.deepEqual(r.config.alerts, current.alerts);
  assert.ok(
    logs.includes(
      'reload: rules and alerts not applied: alerts sink hook: environment variable BPFWARDEN_TEST_UNSET_SECRET is not set',
    ),
    logs.join('\n'),
  );
});

test('with nothing changed, rule files are still re-read', async () => {
  const logs: string[] = [];
  const current = config();
  const e = engine(current, (l) => logs.push(l));
  writeFileSync(join(rulesDir, 'new.yaml'), RULE('reload-new'));
  assert.equal(
    listRules(ctx.db).some((r) => r.id === 'reload-new'),
    false,
  );
  const r = await applyReload(current, config(), { monitors: [], detection: e, log: (l) => logs.push(l) });
  assert.equal(r.detection, e);
  assert.ok(
    listRules(ctx.db).some((x) => x.id === 'reload-new'),
    'the new rule file was synced',
  );
  assert.ok(logs.includes('reload: configuration unchanged'));
});

test('rules.enabled: false stops detection; true starts it again', async () => {
  const current = config();
  const e = engine(current, () => undefined);
  const off = await applyReload(current, config({ rules: { enabled: false, directory: rulesDir } }), {
    monitors: [],
    detection: e,
    log: () => undefined,
  });
  assert.equal(off.detection, undefined);
  const on = await applyReload(off.config, config(), {
    monitors: [],
    detection: undefined,
    log: () => undefined,
  });
  assert.ok(on.detection);
  engines.push(on.detection);
});
