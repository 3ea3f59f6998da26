/** The firewall benchmark's results: per mode medians and ratios, as JSON and Markdown. */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { markdownTable } from './markdown.ts';
import { ratio, type Summary, summarize } from './stats.ts';

export interface FirewallRun {
  readonly mode: string;
  readonly rep: number;
  readonly pps: number;
  readonly sent: number;
  readonly received: number;
  readonly noisy: boolean;
}

export interface FirewallMeta {
  readonly reps: number;
  readonly secondsPerRun: number;
  readonly senderCpu: number;
  readonly rules: number;
  readonly compileMsForRules: number;
  readonly applyMsForRules: Summary | null;
  readonly totalSeconds: number;
}

export interface FirewallModeRow {
  readonly mode: string;
  readonly label: string;
  readonly pps: Summary;
  /** Median packets/s over the no-XDP median of the same run. */
  readonly ratio: number | null;
  /** Lowest share of sent packets the host end received (null where the flood is dropped). */
  readonly minDelivered: number | null;
  /** The XDP program's own run time per packet (bpf_stats), null without a program. */
  readonly programNsPerPacket: number | null;
}

export interface FirewallResults {
  readonly meta: FirewallMeta & {
    readonly when: string;
    readonly kernel: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly noisyRuns: number;
  };
  readonly modes: readonly FirewallModeRow[];
  readonly runs: readonly FirewallRun[];
}

export function buildFirewallResults(input: {
  readonly modes: readonly { mode: string; label: string; drops: boolean }[];
  readonly runs: readonly FirewallRun[];
  readonly costs: ReadonlyMap<string, number | null>;
  readonly meta: FirewallMeta;
}): FirewallResults {
  const { runs } = input;
  const none = summarize(runs.filter((r) => r.mode === 'none').map((r) => r.pps));
  const modes = input.modes.map(({ mode, label, drops }): FirewallModeRow => {
    const mine = runs.filter((r) => r.mode === mode);
    const pps = summarize(mine.map((r) => r.pps)) ?? {
      median: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
      n: 0,
    };
    return {
      mode,
      label,
      pps,
      ratio: ratio(pps.median, none?.median),
      minDelivered: drops ? null : Math.min(...mine.map((r) => r.received / r.sent)),
      programNsPerPacket: input.costs.get(mode) ?? null,
    };
  });
  return {
    meta: {
      ...input.meta,
      when: new Date().toISOString(),
      kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '',
      noisyRuns: runs.filter((r) => r.noisy).length,
    },
    modes,
    runs,
  };
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');

export function firewallMarkdown(res: FirewallResults): string {
  const m = res.meta;
  return [
    `# XDP firewall throughput (${m.when})`,
    '',
    `UDP flood (pkt_flood, sendmmsg, 60-byte frames) through a veth pair, sender pinned to CPU ${m.senderCpu}; ` +
      `${m.reps} repetitions of ${m.secondsPerRun} s per mode, interleaved; median (min–max). ` +
      `Kernel ${m.kernel}, ${m.cpus} CPUs (${m.cpuModel}).`,
    '',
    markdownTable(
      ['mode', 'packets/s', 'vs no XDP', 'delivered', 'program ns/packet'],
      res.modes.map((r) => [
        r.label,
        `${n(r.pps.median)} (${n(r.pps.min)}–${n(r.pps.max)})`,
        r.ratio === null ? '–' : r.ratio.toFixed(3),
        r.minDelivered === null ? 'dropped in XDP' : `${(r.minDelivered * 100).toFixed(1)}%`,
        r.programNsPerPacket === null ? '–' : n(r.programNsPerPacket),
      ]),
      ['left', 'right', 'right', 'right', 'right'],
    ),
    '',
    `Compiling ${n(m.rules)} rules: ${m.compileMsForRules.toFixed(0)} ms; writing them to the kernel ` +
      `(whole set, atomic swap): ${m.applyMsForRules ? `${n(m.applyMsForRules.median)} ms median` : '–'}.`,
    'Program ns/packet: one extra run per mode with kernel.bpf_stats_enabled on (off during the rate runs).',
    m.noisyRuns
      ? `${m.noisyRuns} of ${res.runs.length} runs had company (other BPF programs loaded, or a busy host): ` +
        'ratios within one run stay comparable, absolute rates do not.'
      : 'The host was quiet for every run.',
    '',
  ].join('\n');
}
