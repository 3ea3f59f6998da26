/** monitors.<name>.wakeupBytes and pollIntervalMs: defaults, limits and the messages for bad values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/agent/config.ts';
import { AgentError } from '../../../src/domain/agent-error.ts';
import { ringDelivery } from '../../../src/families/ring-config.ts';

const MONITORS = ['process', 'file', 'net', 'drop', 'dns'] as const;

function rejects(monitors: Record<string, unknown>, message: string): void {
  assert.throws(
    () => parseConfig({ monitors }, 'test.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof AgentError);
      assert.equal(err.code, 'AGENT_CONFIG');
      assert.ok(err.message.includes(message), err.message);
      return true;
    },
  );
}

describe('ring wake-up settings', () => {
  it('every ring monitor accepts both keys', () => {
    for (const m of MONITORS) {
      const cfg = parseConfig({ monitors: { [m]: { wakeupBytes: 65536, pollIntervalMs: 5 } } });
      const got = cfg.monitors[m] as { wakeupBytes?: number; pollIntervalMs?: number };
      assert.equal(got.wakeupBytes, 65536, m);
      assert.equal(got.pollIntervalMs, 5, m);
    }
  });

  it('a threshold of half the ring or more is refused, naming the key and the ring size', () => {
    rejects(
      { file: { ringBufferBytes: 1 << 20, wakeupBytes: 1 << 19 } },
      'monitors.file.wakeupBytes: must be less than half of ringBufferBytes (1048576), got 524288',
    );
    rejects({ net: { ringBufferBytes: 65536, wakeupBytes: 40000 } }, 'monitors.net.wakeupBytes');
  });

  it('refuses negative or fractional thresholds and intervals outside 1..1000 ms', () => {
    rejects({ file: { wakeupBytes: -1 } }, 'monitors.file.wakeupBytes');
    rejects({ dns: { wakeupBytes: 1.5 } }, 'monitors.dns.wakeupBytes');
    rejects({ file: { pollIntervalMs: 0 } }, 'monitors.file.pollIntervalMs');
    rejects({ drop: { pollIntervalMs: 5000 } }, 'monitors.drop.pollIntervalMs');
  });

  it('defaults apply when unset, the threshold kept within a quarter of a small ring', () => {
    const d = { wakeupBytes: 262144, pollIntervalMs: 20 };
    assert.deepEqual(ringDelivery({ ringBufferBytes: 16 << 20 }, d), d);
    assert.deepEqual(ringDelivery({ ringBufferBytes: 65536 }, d), { wakeupBytes: 16384, pollIntervalMs: 20 });
    assert.deepEqual(ringDelivery({ ringBufferBytes: 16 << 20, wakeupBytes: 0, pollIntervalMs: 7 }, d), {
      wakeupBytes: 0,
      pollIntervalMs: 7,
    });
  });

  it('a small ring with the default threshold still parses (the default adapts, it is not refused)', () => {
    for (const m of MONITORS) {
      assert.doesNotThrow(() => parseConfig({ monitors: { [m]: { ringBufferBytes: 4096 } } }), m);
    }
  });
});
