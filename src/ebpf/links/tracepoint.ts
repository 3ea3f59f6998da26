/** Tracepoint links by program fd: a perf event on the tracepoint, linked with BPF_LINK_CREATE. */
import type { NativeBridge } from '../bridge.ts';
import { BpfError } from '../errors.ts';
import { FdLink } from './fd-link.ts';

export interface TracepointTarget {
  readonly category: string;
  readonly name: string;
}

/** Parses "CATEGORY/NAME", e.g. "sched/sched_process_exec". */
export function parseTracepoint(s: string): TracepointTarget {
  const m = /^([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)$/.exec(s);
  if (!m?.[1] || !m[2])
    throw new BpfError(
      'EINVAL',
      `tracepoint must be CATEGORY/NAME (e.g. sched/sched_process_exec), got "${s}"`,
    );
  return { category: m[1], name: m[2] };
}

export function attachTracepoint(bridge: NativeBridge, progFd: number, t: TracepointTarget): FdLink {
  return FdLink.from(
    bridge,
    bridge.tracepointLink(progFd, t.category, t.name),
    'tracepoint',
    `${t.category}/${t.name}`,
  );
}
