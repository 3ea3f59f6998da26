/** Turns the bridge's value-or-negative-errno results into values or BpfErrors. */
import type { NativeBridge, Result } from './bridge.ts';
import { isErr } from './bridge.ts';
import { BpfError, errnoName, extractVerifierLog, trimVerifierLog } from './errors.ts';

export function check<T>(bridge: NativeBridge, r: Result<T>, context: string): T {
  if (!isErr(r)) {
    return r as T;
  }
  throw failure(bridge, r, context);
}

export function checkZero(bridge: NativeBridge, r: number, context: string): void {
  if (r < 0) throw failure(bridge, r, context);
}

export function failure(bridge: NativeBridge, errno: number, context: string): BpfError {
  const detail = bridge.lastError();
  const log = bridge.takeLog();
  const verifier = extractVerifierLog(log);
  const label = verifier ? 'VERIFIER' : errnoName(errno);
  const code = verifier ? 'BPF_VERIFIER' : label;
  const hint = hintFor(code);
  const message = `${context}: ${detail || label}${hint ? ` (${hint})` : ''}${
    verifier ? `\nverifier log (tail):\n${trimVerifierLog(verifier)}` : ''
  }`;
  return new BpfError(code, message, {
    errno: -errno,
    ...(verifier ? { verifierLog: verifier } : {}),
    ...(log ? { libbpfLog: log } : {}),
  });
}

function hintFor(code: string): string | undefined {
  switch (code) {
    case 'EPERM':
    case 'EACCES':
      return 'needs root, or CAP_BPF + CAP_PERFMON (+ CAP_NET_ADMIN for network programs)';
    case 'ENOTSUP':
      return 'this kernel does not support it';
    default:
      return undefined;
  }
}
