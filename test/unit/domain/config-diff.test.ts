/** Which keys changed between two configurations, and which a running agent may apply. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  changedKeys,
  leaves,
  planChanges,
  sameValue,
  withValuesFrom,
} from '../../../src/domain/config-diff.ts';

const before = {
  database: '/a.db',
  store: { flushIntervalMs: 25, worker: true },
  rules: { intervalMs: 25, directory: ['/r'] },
  monitors: { file: { pathPrefixes: [], cgroupIds: [1] }, drop: { maxEventsPerSecond: 1000 } },
  alerts: { sinks: [{ name: 'log', type: 'log' }] },
};

describe('config diff', () => {
  it('lists the changed leaves; a list is one value', () => {
    const after = structuredClone(before);
    after.store.flushIntervalMs = 50;
    after.rules.directory = ['/r', '/s'];
    after.monitors.file.pathPrefixes = ['/etc/'] as never[];
    Reflect.deleteProperty(after.monitors.file, 'cgroupIds');
    after.alerts.sinks[0] = { name: 'log', type: 'log' };
    assert.deepEqual(
      changedKeys(before, after).map((c) => [c.path.join('.'), c.before, c.after]),
      [
        ['store.flushIntervalMs', 25, 50],
        ['rules.directory', ['/r'], ['/r', '/s']],
        ['monitors.file.pathPrefixes', [], ['/etc/']],
        ['monitors.file.cgroupIds', [1], undefined],
      ],
    );
    assert.deepEqual(changedKeys(before, structuredClone(before)), []);
  });

  it('splits changes into live ones and ones that wait for a restart', () => {
    const after = structuredClone(before);
    after.store.flushIntervalMs = 50;
    after.rules.intervalMs = 100;
    after.monitors.file.pathPrefixes = ['/etc/'] as never[];
    after.monitors.drop.maxEventsPerSecond = 5;
    after.database = '/b.db';
    const plan = planChanges(changedKeys(before, after), ['rules', 'alerts', 'monitors.file.pathPrefixes']);
    assert.deepEqual(
      plan.live.map((c) => c.path.join('.')),
      ['rules.intervalMs', 'monitors.file.pathPrefixes'],
    );
    assert.deepEqual(
      plan.restart.map((c) => c.path.join('.')),
      ['database', 'store.flushIntervalMs', 'monitors.drop.maxEventsPerSecond'],
    );
    // A live key covers what is below it, not its neighbours with a common prefix.
    const p2 = planChanges(
      [
        { path: ['rulesX', 'a'], before: 1, after: 2 },
        { path: ['rules'], before: 1, after: 2 },
      ],
      ['rules'],
    );
    assert.deepEqual(
      p2.restart.map((c) => c.path.join('.')),
      ['rulesX.a'],
    );
    assert.deepEqual(
      p2.live.map((c) => c.path.join('.')),
      ['rules'],
    );
  });

  it('the running configuration takes only the applied values', () => {
    const after = structuredClone(before);
    after.store.flushIntervalMs = 50;
    after.rules.intervalMs = 100;
    Reflect.deleteProperty(after.monitors.file, 'cgroupIds');
    const running = withValuesFrom(before, after, [
      ['rules', 'intervalMs'],
      ['monitors', 'file', 'cgroupIds'],
    ]);
    assert.equal(running.rules.intervalMs, 100);
    assert.equal(running.store.flushIntervalMs, 25, 'not applied: keeps its running value');
    assert.equal('cgroupIds' in running.monitors.file, false, 'a removed key is removed');
    assert.deepEqual(before.monitors.file.cgroupIds, [1], 'inputs untouched');
  });

  it('leaves for listings; lists of mappings expanded on request', () => {
    const v = { a: { b: 1, e: {} }, l: [{ x: 1 }, { x: 2 }], s: ['p'], u: undefined };
    assert.deepEqual(
      leaves(v).map((l) => l.path.join('.')),
      ['a.b', 'a.e', 'l', 's'],
    );
    assert.deepEqual(
      leaves(v, [], { expandLists: true }).map((l) => [l.path.join('.'), l.value]),
      [
        ['a.b', 1],
        ['a.e', {}],
        ['l.0.x', 1],
        ['l.1.x', 2],
        ['s', ['p']],
      ],
    );
  });

  it('values compare deeply; an undefined key equals a missing one', () => {
    assert.equal(sameValue({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), true);
    assert.equal(sameValue({ a: 1, b: undefined }, { a: 1 }), true);
    assert.equal(sameValue([1, 2], [2, 1]), false);
    assert.equal(sameValue({ a: 1 }, [1]), false);
  });
});
