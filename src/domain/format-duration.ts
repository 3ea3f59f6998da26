/** Durations for tables and details. Pure. */

/** A duration in nanoseconds, short and readable: 850µs, 12.5ms, 3.20s, 4m05s, 2h07m, 3d04h. */
export function formatDuration(ns: number): string {
  if (ns < 1e3) return `${Math.round(ns)}ns`;
  if (ns < 1e6) return `${Math.round(ns / 1e3)}µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(1)}ms`;
  if (ns < 60e9) return `${(ns / 1e9).toFixed(2)}s`;
  const s = Math.floor(ns / 1e9);
  const p = (n: number): string => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${p(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${p(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86400)}d${p(Math.floor(s / 3600) % 24)}h`;
}
