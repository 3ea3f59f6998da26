import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirewallError } from '../../../src/domain/enforce/firewall/errors.ts';
import { CONFIG } from '../../../src/domain/enforce/firewall/layout.ts';
import {
  DEFAULT_RATE_LIMIT,
  encodeConfig,
  updateRateLimit,
} from '../../../src/domain/enforce/firewall/ratelimit.ts';

test('a rate without a burst gets one second of burst; 0 turns a limit off', () => {
  const s = updateRateLimit(DEFAULT_RATE_LIMIT, { rate: '1000', synRate: 50, synBurst: 5 });
  assert.deepEqual(s, { rate: 1000, burst: 1000, synRate: 50, synBurst: 5, logRate: 10, logBurst: 10 });
  assert.deepEqual(updateRateLimit(s, { rate: 0 }), { ...s, rate: 0, burst: 0 });
  assert.deepEqual(updateRateLimit(s, { logRate: 0 }), { ...s, logRate: 0, logBurst: 0 });
});

test('bad values name the setting and the range', () => {
  assert.throws(
    () => updateRateLimit(DEFAULT_RATE_LIMIT, { rate: 'fast', burst: -1 }, (k) => `--${k}`),
    (e: unknown) =>
      e instanceof FirewallError &&
      e.code === 'FIREWALL_BAD_SETTING' &&
      e.message ===
        '--rate: "fast" is not valid (expected an integer from 0 to 100000000); --burst: -1 is not valid (expected an integer from 0 to 100000000)',
  );
});

test('the kernel form: nanoseconds of credit per packet and the bucket depth', () => {
  const b = encodeConfig({ rate: 1000, burst: 100, synRate: 0, synBurst: 0, logRate: 3, logBurst: 1 });
  const v = new DataView(b.buffer);
  assert.equal(b.length, CONFIG.size);
  assert.equal(v.getBigUint64(CONFIG.rl_cost_ns, true), 1_000_000n);
  assert.equal(v.getBigUint64(CONFIG.rl_burst_ns, true), 100_000_000n);
  assert.equal(v.getBigUint64(CONFIG.syn_cost_ns, true), 0n, 'off');
  assert.equal(v.getBigUint64(CONFIG.log_cost_ns, true), 333_333_333n);
  assert.equal(v.getBigUint64(CONFIG.log_burst_ns, true), 333_333_333n);
});
