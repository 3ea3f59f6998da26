/**
 * Errors with stable codes: errno names (EPERM, ENOENT, ...), Node's own
 * convention, or the library's registered ones (BPF_VERIFIER,
 * BPF_NATIVE_MISSING; src/domain/error-codes.ts).
 */
import { constants } from 'node:os';
import type { CodesOf } from '../domain/error-codes.ts';
import type { ErrorKind } from '../domain/error-kinds.ts';
import { BpfwardenError } from '../domain/errors.ts';

const errnoNames = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) {
  if (!errnoNames.has(num)) errnoNames.set(num, name);
}

/** Errno names plus the library's registered codes. */
export type BpfErrorCode = CodesOf<'BPF'> | (string & {});

/** What an errno means to a caller; anything not listed is the kernel refusing. */
const ERRNO_KIND: Readonly<Record<string, ErrorKind>> = {
  EPERM: 'privilege',
  ENOENT: 'not-found',
  EEXIST: 'conflict',
  EBUSY: 'conflict',
  EINVAL: 'invalid',
  E2BIG: 'invalid',
  EBADF: 'internal',
};

/** The kind of an errno code (EPERM: privilege, ENOENT: not-found, ...). */
export function errnoKind(code: string): ErrorKind {
  return ERRNO_KIND[code] ?? 'kernel';
}

export class BpfError extends BpfwardenError {
  declare readonly code: BpfErrorCode;
  /** Positive errno, when the failure came from the kernel or libbpf. */
  readonly errno: number | undefined;
  /** The verifier's log for a rejected program, trimmed to the program's section. */
  readonly verifierLog: string | undefined;
  /** libbpf's messages around the failure. */
  readonly libbpfLog: string | undefined;

  constructor(
    code: BpfErrorCode,
    message: string,
    extra: { errno?: number; verifierLog?: string; libbpfLog?: string } = {},
  ) {
    super(code, message, { kind: code.startsWith('BPF_') ? undefined : errnoKind(code) });
    this.errno = extra.errno;
    this.verifierLog = extra.verifierLog;
    this.libbpfLog = extra.libbpfLog;
  }
}

export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  const name = errnoNames.get(n) ?? `E${n}`;
  return name === 'EOPNOTSUPP' ? 'ENOTSUP' : name;
}

/** Extracts the verifier log libbpf prints between its BEGIN/END markers. */
export function extractVerifierLog(libbpfLog: string): string | undefined {
  const begin = libbpfLog.indexOf('-- BEGIN PROG LOAD LOG --');
  if (begin < 0) return undefined;
  const end = libbpfLog.indexOf('-- END PROG LOAD LOG --', begin);
  const body = libbpfLog.slice(begin + '-- BEGIN PROG LOAD LOG --'.length, end < 0 ? undefined : end);
  return body.replace(/^\n/, '');
}

/** Keeps the lines of a verifier log that explain a rejection: its tail. */
export function trimVerifierLog(log: string, maxLines = 40): string {
  const lines = log.trimEnd().split('\n');
  if (lines.length <= maxLines) return lines.join('\n');
  return [`... ${lines.length - maxLines} earlier lines omitted ...`, ...lines.slice(-maxLines)].join('\n');
}
