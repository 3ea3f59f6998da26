/**
 * Time windows for policy rules, in local time: "Mon-Fri 09:00-17:00",
 * "Sat,Sun 10:00-12:00", "22:00-06:00" (every day; past midnight it ends the
 * next morning). A rule with windows is active while any of them is open.
 * Pure: the caller supplies the time and how it reads in local time.
 */

export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export interface TimeWindow {
  /** Days a window opens on (0 = Sunday), as a 7-bit set. */
  readonly days: number;
  /** Minutes after local midnight; end <= start means it closes the next day. */
  readonly start: number;
  readonly end: number;
}

/** Local calendar reading of an instant: weekday (0 = Sunday) and minute of the day. */
export interface LocalTime {
  readonly weekday: number;
  readonly minute: number;
}

/** How an instant (ms since the epoch) reads in local time. */
export type LocalClock = (epochMs: number) => LocalTime;

/** The process's local time zone (Date's local getters). */
export const systemLocalClock: LocalClock = (ms) => {
  const d = new Date(ms);
  return { weekday: d.getDay(), minute: d.getHours() * 60 + d.getMinutes() };
};

/** A fixed offset from UTC in minutes (tests; hosts without DST). */
export function fixedOffsetClock(offsetMinutes: number): LocalClock {
  return (ms) => {
    const d = new Date(ms + offsetMinutes * 60_000);
    return { weekday: d.getUTCDay(), minute: d.getUTCHours() * 60 + d.getUTCMinutes() };
  };
}

export const WINDOW_FORMS =
  'a time window such as "Mon-Fri 09:00-17:00", "Sat,Sun 10:00-12:00" or "22:00-06:00" (every day)';

export type WindowResult = { readonly window: TimeWindow } | { readonly error: string };

function parseDay(s: string): number | undefined {
  const i = DAY_NAMES.indexOf(s.toLowerCase().slice(0, 3) as (typeof DAY_NAMES)[number]);
  const full = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
  if (i < 0) return undefined;
  // "Mon" or "Monday", nothing else.
  return s.length === 3 || s.toLowerCase() === full[i] ? i : undefined;
}

function parseDays(s: string): number | undefined {
  if (s === '*' || s.toLowerCase() === 'daily') return 0x7f;
  let days = 0;
  for (const part of s.split(',')) {
    const range = part.split('-');
    if (range.length > 2) return undefined;
    const from = parseDay(range[0]!.trim());
    const to = range.length === 2 ? parseDay(range[1]!.trim()) : from;
    if (from === undefined || to === undefined) return undefined;
    // Ranges may wrap the week: Fri-Mon is Fri, Sat, Sun, Mon.
    for (let d = from; ; d = (d + 1) % 7) {
      days |= 1 << d;
      if (d === to) break;
    }
  }
  return days;
}

function parseClock(s: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return undefined;
  return h * 60 + min;
}

export function parseWindow(text: string): WindowResult {
  const s = text.trim().replace(/\s+/g, ' ');
  const sp = s.lastIndexOf(' ');
  const daysText = sp < 0 ? '*' : s.slice(0, sp).replace(/\s*([,-])\s*/g, '$1');
  const timesText = sp < 0 ? s : s.slice(sp + 1);
  const days = parseDays(daysText);
  if (days === undefined) {
    return {
      error: `"${text}": days "${daysText}" must be day names (Mon, Tue, ...), ranges (Mon-Fri) or lists (Sat,Sun)`,
    };
  }
  const times = timesText.split('-');
  const start = times.length === 2 ? parseClock(times[0]!) : undefined;
  const end = times.length === 2 ? parseClock(times[1]!) : undefined;
  if (start === undefined || end === undefined) {
    return { error: `"${text}": times "${timesText}" must be HH:MM-HH:MM (24-hour clock, 00:00 to 24:00)` };
  }
  if (start === 1440)
    return { error: `"${text}": a window opens at 00:00 at the latest (24:00 is the end of a day)` };
  if (start === end) return { error: `"${text}": the window opens and closes at the same time` };
  return { window: { days, start, end } };
}

export function formatWindow(w: TimeWindow): string {
  const names = DAY_NAMES.map((d) => d[0]!.toUpperCase() + d.slice(1));
  const days = w.days === 0x7f ? 'daily' : names.filter((_, i) => w.days & (1 << i)).join(',');
  const hhmm = (m: number): string =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${days} ${hhmm(w.start)}-${hhmm(w.end)}`;
}

/** True while the window is open at this local time. */
export function windowOpen(w: TimeWindow, t: LocalTime): boolean {
  const today = (w.days >> t.weekday) & 1;
  if (w.end > w.start) return today === 1 && t.minute >= w.start && t.minute < w.end;
  // Past midnight: open from start on a listed day until end the next morning.
  const yesterday = (w.days >> ((t.weekday + 6) % 7)) & 1;
  return (today === 1 && t.minute >= w.start) || (yesterday === 1 && t.minute < w.end);
}

/** True when a rule with these windows is active (no windows: always). */
export function windowsOpen(windows: readonly TimeWindow[] | undefined, t: LocalTime): boolean {
  if (!windows || windows.length === 0) return true;
  return windows.some((w) => windowOpen(w, t));
}

const MINUTE_MS = 60_000;
/** Windows repeat weekly; a week and a day covers any offset and DST shift. */
const HORIZON_MINUTES = 8 * 24 * 60;

/**
 * The first minute boundary after `nowMs` where any rule's activity changes,
 * or undefined when none changes within the horizon (no windows, or windows
 * that are always or never open). Walks minute boundaries in real time, so a
 * DST change in the local clock is handled as the clock reads it.
 */
export function nextWindowEdge(
  rules: readonly (readonly TimeWindow[] | undefined)[],
  nowMs: number,
  clock: LocalClock,
): number | undefined {
  const windowed = rules.filter((w): w is readonly TimeWindow[] => !!w && w.length > 0);
  if (windowed.length === 0) return undefined;
  const now = clock(nowMs);
  const current = windowed.map((w) => windowsOpen(w, now));
  let t = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  for (let i = 0; i < HORIZON_MINUTES; i++, t += MINUTE_MS) {
    const lt = clock(t);
    if (windowed.some((w, j) => windowsOpen(w, lt) !== current[j])) return t;
  }
  return undefined;
}
