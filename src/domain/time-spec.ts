/**
 * Time specifications as users type them on the command line: a duration
 * meaning "that long ago" (`90s`, `1h30m`) or an absolute time (ISO 8601,
 * date only, Unix seconds). Pure: the caller supplies "now".
 */

import { BpfwardenError } from './errors.ts';

/** A time argument that does not parse (code TIME_INVALID, a usage error). */
export class TimeSpecError extends BpfwardenError {
  declare readonly code: 'TIME_INVALID';
  readonly value: string;
  /** The accepted forms, for callers that phrase their own message (e.g. naming a flag). */
  readonly expected: string;

  constructor(value: string, expected: string) {
    super('TIME_INVALID', `invalid time ${JSON.stringify(value)}: expected ${expected}`);
    this.value = value;
    this.expected = expected;
  }
}

const DURATION_FORMS = 'a duration such as 500ms, 90s, 5m, 2h, 1d, 1w or 1h30m';
const TIME_FORMS =
  `${DURATION_FORMS} (meaning that long ago), an ISO 8601 time such as 2026-11-22T10:00:00Z, ` +
  '2026-11-22 10:00:00 (local time) or 2026-11-22 (local midnight), Unix seconds, or "now"';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

// One or more number+unit parts, e.g. "1h30m", "1.5h". `ms` must be tried before `m`.
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const DURATION_PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Parses a duration (`500ms`, `90s`, `1h30m`, ...) into milliseconds. */
export function parseDurationMs(s: string): number {
  const ms = tryParseDurationMs(s.trim());
  if (ms === undefined) throw new TimeSpecError(s, DURATION_FORMS);
  return ms;
}

function tryParseDurationMs(s: string): number | undefined {
  if (!DURATION_RE.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(DURATION_PART_RE)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? total : undefined;
}

// YYYY-MM-DD, optionally followed by [T ]HH:MM[:SS[.fraction]] and a zone (Z, ±HH:MM, ±HHMM, ±HH).
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?))?$/i;

/**
 * Parses a time specification into microseconds since the Unix epoch.
 * Times without a zone are local time, as a user at this terminal means them.
 */
export function parseTimeSpec(s: string, nowUs: number): number {
  const t = s.trim();
  if (t.toLowerCase() === 'now') return nowUs;
  if (/^\d+$/.test(t)) {
    const us = Number(t) * 1_000_000;
    if (Number.isSafeInteger(us)) return us;
    throw new TimeSpecError(s, TIME_FORMS);
  }
  const ms = tryParseDurationMs(t);
  if (ms !== undefined) {
    const us = Math.round(nowUs - ms * 1000);
    // Before the Unix epoch is before any event; so far back is a typo, said plainly.
    if (us < 0)
      throw new TimeSpecError(s, `a duration that reaches back no further than 1970 (${DURATION_FORMS})`);
    return us;
  }
  const abs = tryParseIso(t);
  if (abs !== undefined) return abs;
  throw new TimeSpecError(s, TIME_FORMS);
}

function tryParseIso(s: string): number | undefined {
  const m = ISO_RE.exec(s);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = Number(hs ?? 0);
  const mi = Number(mis ?? 0);
  const sec = Number(ss ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) {
    return undefined;
  }
  // Fraction digits beyond microseconds are dropped, not rounded into the next second.
  const fracUs = frac === undefined ? 0 : Number(frac.padEnd(6, '0').slice(0, 6));
  let ms: number;
  if (zone === undefined) {
    // setFullYear avoids Date's mapping of years 0-99 onto 1900-1999.
    const local = new Date(2000, mo - 1, d, h, mi, sec);
    local.setFullYear(y);
    ms = local.getTime();
  } else {
    const utc = new Date(Date.UTC(2000, mo - 1, d, h, mi, sec));
    utc.setUTCFullYear(y);
    const offsetMin = parseZoneMinutes(zone);
    if (offsetMin === undefined) return undefined;
    ms = utc.getTime() - offsetMin * 60_000;
  }
  const us = ms * 1000 + fracUs;
  // Beyond 2^53 µs (year 2255) microseconds are no longer exact.
  return Number.isSafeInteger(us) ? us : undefined;
}

function parseZoneMinutes(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hh = Number(digits.slice(0, 2));
  const mm = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hh > 23 || mm > 59) return undefined;
  return sign * (hh * 60 + mm);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
