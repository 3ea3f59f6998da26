import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseDurationMs, parseTimeSpec, TimeSpecError } from '../../../src/domain/time-spec.ts';

const NOW_US = 1_800_000_000_000_000;

test('durations parse to milliseconds', () => {
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('90s'), 90_000);
  assert.equal(parseDurationMs('5m'), 300_000);
  assert.equal(parseDurationMs('2h'), 7_200_000);
  assert.equal(parseDurationMs('1d'), 86_400_000);
  assert.equal(parseDurationMs('1w'), 7 * 86_400_000);
  assert.equal(parseDurationMs('1h30m'), 5_400_000);
  assert.equal(parseDurationMs('1m30s500ms'), 90_500);
  assert.equal(parseDurationMs('1.5h'), 5_400_000);
  assert.equal(parseDurationMs('0s'), 0);
});

test('a duration as a time spec means that long before now', () => {
  assert.equal(parseTimeSpec('90s', NOW_US), NOW_US - 90_000_000);
  assert.equal(parseTimeSpec('1h30m', NOW_US), NOW_US - 5_400_000_000);
  assert.equal(parseTimeSpec('500ms', NOW_US), NOW_US - 500_000);
  assert.equal(parseTimeSpec(' 5m ', NOW_US), NOW_US - 300_000_000);
});

test('absolute times: ISO 8601 with zone, local time, date only, Unix seconds, now', () => {
  assert.equal(parseTimeSpec('2026-11-22T10:00:00Z', NOW_US), Date.UTC(2026, 10, 22, 10) * 1000);
  assert.equal(
    parseTimeSpec('2026-11-22T10:00:00.123456Z', NOW_US),
    Date.UTC(2026, 10, 22, 10) * 1000 + 123_456,
  );
  assert.equal(parseTimeSpec('2026-11-22T10:00:00+02:00', NOW_US), Date.UTC(2026, 10, 22, 8) * 1000);
  assert.equal(parseTimeSpec('2026-11-22T10:00:00-0130', NOW_US), Date.UTC(2026, 10, 22, 11, 30) * 1000);
  assert.equal(
    parseTimeSpec('2026-11-22 10:00:00', NOW_US),
    new Date(2026, 10, 22, 10, 0, 0).getTime() * 1000,
  );
  assert.equal(parseTimeSpec('2026-11-22 10:00', NOW_US), new Date(2026, 10, 22, 10, 0).getTime() * 1000);
  assert.equal(parseTimeSpec('2026-11-22', NOW_US), new Date(2026, 10, 22).getTime() * 1000);
  assert.equal(parseTimeSpec('1763800000', NOW_US), 1_763_800_000_000_000);
  assert.equal(parseTimeSpec('now', NOW_US), NOW_US);
  assert.equal(parseTimeSpec('2024-02-29', NOW_US), new Date(2024, 1, 29).getTime() * 1000);
});

test('bad input throws BAD_TIME naming the value and the accepted forms', () => {
  for (const bad of [
    '',
    'yesterday',
    '-5m',
    '5 m',
    '5mins',
    'h',
    '2026-13-01',
    '2025-02-29',
    '2026-11-31',
    '2026-11-22T24:00:00Z',
    '2026-11-22T10:60',
    '2026-11-22T10:00:00+25:00',
    '99999999999999999999',
    '9999-01-01T00:00:00Z',
  ]) {
    assert.throws(
      () => parseTimeSpec(bad, NOW_US),
      (err: unknown) => {
        assert.ok(err instanceof TimeSpecError, `${JSON.stringify(bad)} should throw TimeSpecError`);
        assert.equal(err.code, 'TIME_INVALID');
        assert.ok(err.message.includes(JSON.stringify(bad)), err.message);
        assert.match(err.message, /90s/);
        assert.match(err.message, /ISO 8601/);
        assert.match(err.message, /Unix seconds/);
        return true;
      },
    );
  }
  assert.throws(() => parseDurationMs('2026-11-22'), {
    code: 'TIME_INVALID',
    message: /"2026-11-22".*1h30m/,
  });
  assert.throws(() => parseDurationMs('now'), { code: 'TIME_INVALID' });
});

const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const unitArb = fc.constantFrom(...(Object.keys(unitMs) as (keyof typeof unitMs)[]));
const partArb = fc.tuple(fc.integer({ min: 0, max: 10_000 }), unitArb);

test('property: a duration is the sum of its parts', () => {
  fc.assert(
    fc.property(fc.array(partArb, { minLength: 1, maxLength: 5 }), (parts) => {
      const text = parts.map(([n, u]) => `${n}${u}`).join('');
      const expected = parts.reduce((sum, [n, u]) => sum + n * unitMs[u], 0);
      assert.equal(parseDurationMs(text), expected);
      if (expected * 1000 <= NOW_US) assert.equal(parseTimeSpec(text, NOW_US), NOW_US - expected * 1000);
      else assert.throws(() => parseTimeSpec(text, NOW_US), TimeSpecError);
    }),
  );
});

test('property: any UTC instant round-trips through its ISO form and Unix seconds', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 9_000_000_000 }) /* ~2255: microseconds stay exact */,
      fc.integer({ min: 0, max: 999_999 }),
      (sec, us) => {
        const iso = new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, '');
        const frac = String(us).padStart(6, '0');
        assert.equal(parseTimeSpec(`${iso}.${frac}Z`, NOW_US), sec * 1_000_000 + us);
        assert.equal(parseTimeSpec(`${iso}Z`, NOW_US), sec * 1_000_000);
        assert.equal(parseTimeSpec(String(sec), NOW_US), sec * 1_000_000);
      },
    ),
  );
});

test('property: local date-times agree with Date for valid calendar dates', () => {
  fc.assert(
    fc.property(
      fc.date({ min: new Date(1971, 0, 1), max: new Date(2099, 11, 31), noInvalidDate: true }),
      (d) => {
        const p = (n: number, w = 2) => String(n).padStart(w, '0');
        const text = `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
        const expected = new Date(
          d.getFullYear(),
          d.getMonth(),
          d.getDate(),
          d.getHours(),
          d.getMinutes(),
          d.getSeconds(),
        );
        assert.equal(parseTimeSpec(text, NOW_US), expected.getTime() * 1000);
      },
    ),
  );
});

test('property: arbitrary strings either parse to a finite number or throw BAD_TIME', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (s) => {
      try {
        const us = parseTimeSpec(s, NOW_US);
        assert.ok(Number.isFinite(us));
      } catch (err) {
        assert.ok(err instanceof TimeSpecError);
        assert.equal(err.code, 'TIME_INVALID');
      }
    }),
  );
});

test('a duration reaching back before 1970 is refused with the forms, not an internal name', () => {
  assert.throws(
    () => parseTimeSpec('99999999999999d', Date.now() * 1000),
    (err: unknown) =>
      err instanceof TimeSpecError &&
      /invalid time "99999999999999d": expected a duration that reaches back no further than 1970/.test(
        err.message,
      ),
  );
});
