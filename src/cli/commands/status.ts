/** `bpfwarden status`: one screen on the running agent and each monitor. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { alive, readStatus, statusPath } from '../../agent/status-file.ts';
import { ApiClient } from '../../api/client.ts';
import type { StatusSnapshot } from '../../domain/contracts/status.ts';
import { DEFAULT_RUNTIME_DIR } from '../../host/paths.ts';
import { ExitCode } from '../errors.ts';
import { useColor } from '../format/color.ts';
import { formatLocalTime } from '../format/event-row.ts';
import { renderTable, sanitize } from '../format/table.ts';

/** A status older than this means the agent stopped updating it. */
const STALE_MS = 10_000;

/** Hooks in brief (the full list is in --json), then the monitor's own counters. */
function monitorDetail(m: StatusSnapshot['monitors'][number]): string {
  const hooks = m.attached.length === 1 ? (m.attached[0] ?? '') : `${m.attached.length} hooks attached`;
  const counters = Object.entries(m.counters ?? {}).map(([k, v]) => `${k} ${v}`);
  return [hooks, ...counters].join('; ');
}

/** 59s, 12m05s, 3h02m, 2d04h: what an operator reads at a glance. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

export function renderStatus(s: StatusSnapshot, color: boolean, nowMs: number): string {
  const up = Math.round((nowMs - s.startedAtMs) / 1000);
  const paint = (state: string): string =>
    !color
      ? state
      : state === 'running'
        ? `\x1b[32m${state}\x1b[0m`
        : state === 'failed'
          ? `\x1b[31m${state}\x1b[0m`
          : state;
  const lines = [
    `agent      pid ${s.pid}, up ${formatUptime(up)}, status at ${formatLocalTime(s.updatedAtMs * 1000)}`,
    `database   ${s.database}`,
    `store      ${s.store.stored} stored, ${s.store.queued} queued, ${s.store.queueDropped} dropped (queue full)${s.store.unwritten ? `, ${s.store.unwritten} unwritten (never stored)` : ''}, ${s.store.writeFailures} write failures${s.store.lastError ? ` (last: ${s.store.lastError})` : ''}`,
    ...(s.store.latencyMs
      ? [
          `latency    kernel to stored: p50 ${s.store.latencyMs.p50} ms, p99 ${s.store.latencyMs.p99} ms, max ${s.store.latencyMs.max} ms over ${s.store.latencyMs.count} events`,
        ]
      : []),
    `retention  ${s.retention.deletedByAge} deleted by age, ${s.retention.deletedBySize} by size, ${s.retention.failures} failures`,
    '',
  ];
  const table = renderTable(
    [
      { header: 'MONITOR' },
      { header: 'STATE' },
      { header: 'EVENTS/S', align: 'right' },
      { header: 'EVENTS', align: 'right' },
      { header: 'KERNEL DROPS', align: 'right' },
      { header: 'DECODE ERRORS', align: 'right' },
      { header: 'DETAIL', max: 80 },
    ],
    s.monitors.map((m) => [
      m.name,
      m.state,
      String(m.eventsPerSecond),
      String(m.events),
      String(m.kernelDrops),
      String(m.decodeErrors),
      m.error ?? monitorDetail(m),
    ]),
    { color },
  );
  // Colour the STATE cells after layout: renderTable escapes control characters in cells.
  const rows = table.split('\n');
  s.monitors.forEach((m, i) => {
    const row = rows[i + 1] ?? '';
    const at = row.indexOf(m.state, sanitize(m.name).length);
    if (at >= 0) rows[i + 1] = `${row.slice(0, at)}${paint(m.state)}${row.slice(at + m.state.length)}`;
  });
  return `${lines.join('\n')}${rows.join('\n')}`;
}

export function registerStatusCommand(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  program
    .command('status')
    .description('health of the running agent: monitors, event rates, loss, store')
    .option('--runtime-dir <dir>', 'the agent runtime directory', DEFAULT_RUNTIME_DIR)
    .option('--json', 'the status as one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo bpfwarden status                 one screen: monitors, rates, kernel drops, store, latency
  $ sudo bpfwarden status --json | jq '.monitors[] | {name, kernelDrops}'

Reads the running agent's API (its Unix socket), else its status file; exits 1
when the agent is not running.`,
    )
    .action(async (opts: { runtimeDir: string; json?: boolean }) => {
      // The running agent's API first (fresh figures); its status file otherwise.
      const api = await ApiClient.connect(
        process.env.BPFWARDEN_API_SOCKET || join(opts.runtimeDir, 'api.sock'),
      );
      let s: StatusSnapshot | undefined;
      try {
        s = api ? await api.get<StatusSnapshot>('/api/v1/status') : readStatus(opts.runtimeDir);
      } finally {
        await api?.close();
      }
      const now = Date.now();
      if (!s) {
        process.stderr.write(
          `bpfwarden: no agent status at ${statusPath(opts.runtimeDir)}: is the agent running? (bpfwarden agent)\n`,
        );
        process.exitCode = ExitCode.FAILURE;
        return;
      }
      const running = s.stoppedAtMs === undefined && alive(s.pid) && now - s.updatedAtMs < STALE_MS;
      if (opts.json) {
        out.write(`${JSON.stringify({ running, ...s })}\n`);
      } else {
        if (!running) {
          const when = s.stoppedAtMs
            ? `stopped at ${formatLocalTime(s.stoppedAtMs * 1000)}`
            : !alive(s.pid)
              ? `pid ${s.pid} gone`
              : `pid ${s.pid} has not updated its status for ${Math.round((now - s.updatedAtMs) / 1000)}s`;
          out.write(`agent NOT RUNNING (${when}); last status below\n`);
        }
        out.write(renderStatus(s, useColor(process.stdout, process.env), now));
      }
      if (!running) process.exitCode = ExitCode.FAILURE;
    });
}
