/** Time windows: parsing with clear messages, open/closed by local time, and the next edge. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  fixedOffsetClock,
  formatWindow,
  nextWindowEdge,
  parseWindow,
  type TimeWindow,
  windowOpen,
  windowsOpen,
} from '../../../src/domain/enforce/policy/time-window.ts';

const utc = fixedOffsetClock(0);
// Monday 2026-11-23 00:00 UTC.
const MON = Date.UTC(2026, 10, 23);
const H = 3_600_000;

function win(s: string): TimeWindow {
  const r = parseWindow(s);
  assert.ok('window' in r, `parse ${s}: ${'error' in r ? r.error : ''}`);
  return r.window;
}

describe('time windows', () => {
  it('parses days, ranges, lists and overnight windows', () => {
    assert.equal(formatWindow(win('Mon-Fri 09:00-17:00')), 'Mon,Tue,Wed,Thu,Fri 09:00-17:00');
    assert.equal(formatWindow(win('sat, sun 10:00-12:00')), 'Sun,Sat 10:00-12:00');
    assert.equal(formatWindow(win('22:00-06:00')), 'daily 22:00-06:00');
    assert.equal(formatWindow(win('Fri-Mon 00:00-24:00')), 'Sun,Mon,Fri,Sat 00:00-24:00');
    assert.equal(formatWindow(win('Monday 9:30-10:00')), 'Mon 09:30-10:00');
  });

  it('rejects what it cannot read, saying which part', () => {
    const err = (s: string): string => {
      const r = parseWindow(s);
      assert.ok('error' in r, s);
      return r.error;
    };
    assert.match(err('Mon-Fry 09:00-17:00'), /days "Mon-Fry"/);
    assert.match(err('Mon 9-17'), /times "9-17" must be HH:MM-HH:MM/);
    assert.match(err('Mon 09:00-09:00'), /opens and closes at the same time/);
    assert.match(err('Mon 25:00-26:00'), /HH:MM-HH:MM/);
    assert.match(err('Mon 24:00-06:00'), /00:00 at the latest/);
  });

  it('is open inside, closed outside; overnight windows run into the next day', () => {
    const w = win('Mon-Fri 09:00-17:00');
    assert.ok(windowOpen(w, { weekday: 1, minute: 9 * 60 }));
    assert.ok(!windowOpen(w, { weekday: 1, minute: 17 * 60 }));
    assert.ok(!windowOpen(w, { weekday: 6, minute: 12 * 60 }));
    const night = win('Fri 22:00-06:00');
    assert.ok(windowOpen(night, { weekday: 5, minute: 23 * 60 }));
    assert.ok(windowOpen(night, { weekday: 6, minute: 5 * 60 }));
    assert.ok(!windowOpen(night, { weekday: 6, minute: 23 * 60 }));
    assert.ok(windowsOpen(undefined, { weekday: 0, minute: 0 }));
  });

  it('finds the next edge: opening, then closing', () => {
    const rules = [[win('Mon-Fri 09:00-17:00')]];
    assert.equal(nextWindowEdge(rules, MON + 3 * H + 123, utc), MON + 9 * H);
    assert.equal(nextWindowEdge(rules, MON + 9 * H, utc), MON + 17 * H);
    // Friday evening: the next edge is Monday morning.
    assert.equal(nextWindowEdge(rules, MON + 4 * 24 * H + 18 * H, utc), MON + 7 * 24 * H + 9 * H);
    assert.equal(nextWindowEdge([undefined, []], MON, utc), undefined);
    assert.equal(nextWindowEdge([[win('00:00-24:00')]], MON, utc), undefined, 'always open: no edge');
  });

  it('the edge is the first minute where activity differs (local time with an offset)', () => {
    const clock = fixedOffsetClock(-300);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x7f }).filter((d) => d !== 0),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 1, max: 1440 }),
        fc.integer({ min: 0, max: 14 * 24 * 60 }),
        (days, start, endRaw, offsetMin) => {
          const end = endRaw === start ? (start + 1) % 1440 || 1440 : endRaw;
          const ws = [{ days, start, end }];
          const now = MON + offsetMin * 60_000 + 17_000;
          const edge = nextWindowEdge([ws], now, clock);
          const before = windowsOpen(ws, clock(now));
          if (edge === undefined) return;
          assert.notEqual(windowsOpen(ws, clock(edge)), before);
          assert.equal(windowsOpen(ws, clock(edge - 60_000)), before, 'nothing changes earlier');
          assert.ok(edge > now && edge % 60_000 === 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
