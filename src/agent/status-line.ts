/** The agent's one-line live summary (pure formatting). */
export interface Totals {
  readonly events: number;
  readonly stored: number;
  readonly kernelDrops: number;
  /** Program runs the kernel skipped (BPF recursion protection): possible losses. */
  readonly missedRuns?: number;
  readonly queueDropped: number;
  readonly writeFailures: number;
}

export function statusLine(now: Totals, prev: Totals, seconds: number): string {
  const rate = seconds > 0 ? Math.round((now.events - prev.events) / seconds) : 0;
  const lost = now.kernelDrops + now.queueDropped;
  return (
    `bpfwarden: ${rate} events/s, stored ${now.stored}, lost ${lost}` +
    ` (kernel ${now.kernelDrops}, queue ${now.queueDropped})` +
    (now.missedRuns ? `, missed runs ${now.missedRuns}` : '') +
    (now.writeFailures ? `, write failures ${now.writeFailures}` : '')
  );
}
