/** Raw tracepoint links by program fd (BPF_RAW_TRACEPOINT_OPEN returns a link). */
import type { NativeBridge } from '../bridge.ts';
import { BpfError } from '../errors.ts';
import { FdLink } from './fd-link.ts';

export interface RawTracepointTarget {
  readonly name: string;
}

export function attachRawTracepoint(bridge: NativeBridge, progFd: number, t: RawTracepointTarget): FdLink {
  if (!/^[A-Za-z0-9_]+$/.test(t.name)) {
    throw new BpfError(
      'EINVAL',
      `raw tracepoint name must be a plain name (e.g. sched_switch), got "${t.name}"`,
    );
  }
  return FdLink.from(bridge, bridge.rawTracepointOpen(progFd, t.name), 'raw_tracepoint', t.name);
}
