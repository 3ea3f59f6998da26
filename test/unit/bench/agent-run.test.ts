import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AgentStatus, parseStopLine, totals } from '../../../bench/lib/agent-run.ts';
import { lastJsonLine } from '../../../bench/lib/children.ts';

test("the agent's stop line", () => {
  const err =
    'bpfwarden: agent ready\nbpfwarden: stopped: 120 events captured, 100 stored, lost 20 (kernel 15, queue 5)\n';
  assert.deepEqual(parseStopLine(err), { events: 120, stored: 100, lost: 20, kernel: 15, queue: 5 });
  assert.equal(parseStopLine('bpfwarden: agent ready\n'), null);
});

test('totals sum the monitors and keep the store counters', () => {
  const s: AgentStatus = {
    updatedAtMs: 1,
    monitors: [
      {
        name: 'process',
        state: 'running',
        events: 10,
        kernelDrops: 1,
        decodeErrors: 0,
        ring: { wakeups: 2, records: 10, batches: 2, maxBatch: 6, callbackErrors: 0, handlerErrors: 1 },
      },
      { name: 'file', state: 'running', events: 5, kernelDrops: 2, decodeErrors: 1 },
    ],
    store: { stored: 14, queued: 0, queueDropped: 0, writeFailures: 0 },
  };
  const t = totals(s);
  assert.equal(t.events, 15);
  assert.equal(t.kernelDrops, 3);
  assert.equal(t.decodeErrors, 1);
  assert.equal(t.wakeups, 2);
  assert.equal(t.callbackErrors, 1);
  assert.equal(t.stored, 14);
});

test("a generator's output is its last JSON line", () => {
  assert.deepEqual(lastJsonLine('warming up\n{"ops":1}\n{"ops":2,"seconds":0.5}\n'), {
    ops: 2,
    seconds: 0.5,
  });
  assert.throws(() => lastJsonLine('no json'), /no JSON line/);
});
