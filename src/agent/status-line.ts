/** The agent's one-line live summary (pure formatting). */
export interface Totals {
  readonly events: number;
  readonly stored: number;
  readonly kernelDrops: number;
  /** Program runs the kernel skipped (BPF recursion protection): possible losses. */
  readonly missedRuns?: number;
  readonly queueDropped: number;
  /** Never written: still queued at stop, or the database was damaged. */
  readonly unwritten?: number;
  readonly writeFailures: number;
}

/** Every event captured and not stored, by where it was lost. */
export function lostSummary(t: Totals): string {
  const unwritten = t.unwritten ?? 0;
  return (
    `lost ${t.kernelDrops + t.queueDropped + unwritten} (kernel ${t.kernelDrops}, queue ${t.queueDropped}` +
    `${unwritten ? `, unwritten ${unwritten}` : ''})`
  );
}

export function statusLine(now: Totals, prev: Totals, seconds: number): string {
  const rate = seconds > 0 ? Math.round((now.events - prev.events) / seconds) : 0;
  return (
    `bpfwarden: ${rate} events/s, stored ${now.stored}, ${lostSummary(now)}` +
    (now.missedRuns ? `, missed runs ${now.missedRuns}` : '') +
    (now.writeFailures ? `, write failures ${now.writeFailures}` : '')
  );
}
