/** Uprobe links by program fd: BINARY:SYMBOL (resolved to a file offset) or an offset, optionally one pid. */
import type { NativeBridge } from '../bridge.ts';
import { check } from '../check.ts';
import { BpfError } from '../errors.ts';
import { FdLink } from './fd-link.ts';

export interface UprobeTarget {
  readonly binary: string;
  readonly symbol: string;
  /** Process to probe; undefined: every process. */
  readonly pid?: number;
  readonly retprobe: boolean;
}

/** Parses "BINARY:SYMBOL" (the binary path may itself hold no colon). */
export function parseUprobe(s: string): { binary: string; symbol: string } {
  const i = s.lastIndexOf(':');
  const binary = s.slice(0, i);
  const symbol = s.slice(i + 1);
  if (i <= 0 || !symbol || !binary.startsWith('/')) {
    throw new BpfError('EINVAL', `uprobe target must be /ABSOLUTE/BINARY:SYMBOL, got "${s}"`);
  }
  return { binary, symbol };
}

export function symbolOffset(bridge: NativeBridge, binary: string, symbol: string): number {
  return check(bridge, bridge.elfSymbolOffset(binary, symbol), `resolve ${symbol} in ${binary}`);
}

export function attachUprobe(bridge: NativeBridge, progFd: number, t: UprobeTarget): FdLink {
  const offset = symbolOffset(bridge, t.binary, t.symbol);
  return FdLink.from(
    bridge,
    bridge.uprobeLink(progFd, t.binary, offset, t.pid ?? -1, t.retprobe),
    t.retprobe ? 'uretprobe' : 'uprobe',
    `${t.binary}:${t.symbol}${t.pid ? ` pid ${t.pid}` : ''}`,
  );
}
