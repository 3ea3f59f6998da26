/**
 * What kind of failure an error is, and the one table that turns a kind into
 * an HTTP status, a gRPC status and a CLI exit code. Every surface (REST
 * handler, gRPC mapping, CLI entry point) reads this table; none has its own.
 */

export const ERROR_KINDS = [
  /** The command line, query or filter was malformed: nothing was done. */
  'usage',
  /** A submitted thing (rule, setting, body, object file) is not valid. */
  'invalid',
  /** No credentials, or wrong ones. */
  'unauthenticated',
  /** Refused by this program's own policy (e.g. a directory not allowed). */
  'forbidden',
  /** The process lacks the privileges BPF needs (EPERM). */
  'privilege',
  'not-found',
  /** The request clashes with the current state (exists, locked, does not fit). */
  'conflict',
  /** A bounded resource is used up (streams): try again later. */
  'exhausted',
  /** Not available now (starting, stopping, no database, timed out). */
  'unavailable',
  /** The host cannot do this yet (no native bridge). */
  'not-ready',
  /** The kernel refused (verifier, load, attach). */
  'kernel',
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Names of @grpc/grpc-js's `status` enum (kept as names: the core has no dependencies). */
export type GrpcStatusName =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** The CLI's documented exit codes (README, exit codes): 2 usage, 3 host not ready. */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, NOT_READY: 3 } as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface KindStatus {
  readonly http: number;
  readonly grpc: GrpcStatusName;
  readonly exit: ExitCodeValue;
}

export const KIND_STATUS: Readonly<Record<ErrorKind, KindStatus>> = {
  usage: { http: 400, grpc: 'INVALID_ARGUMENT', exit: ExitCode.USAGE },
  invalid: { http: 400, grpc: 'INVALID_ARGUMENT', exit: ExitCode.FAILURE },
  unauthenticated: { http: 401, grpc: 'UNAUTHENTICATED', exit: ExitCode.FAILURE },
  forbidden: { http: 403, grpc: 'PERMISSION_DENIED', exit: ExitCode.FAILURE },
  privilege: { http: 403, grpc: 'PERMISSION_DENIED', exit: ExitCode.NOT_READY },
  'not-found': { http: 404, grpc: 'NOT_FOUND', exit: ExitCode.FAILURE },
  conflict: { http: 409, grpc: 'FAILED_PRECONDITION', exit: ExitCode.FAILURE },
  exhausted: { http: 503, grpc: 'RESOURCE_EXHAUSTED', exit: ExitCode.FAILURE },
  unavailable: { http: 503, grpc: 'UNAVAILABLE', exit: ExitCode.FAILURE },
  'not-ready': { http: 503, grpc: 'FAILED_PRECONDITION', exit: ExitCode.NOT_READY },
  kernel: { http: 500, grpc: 'INTERNAL', exit: ExitCode.FAILURE },
  internal: { http: 500, grpc: 'INTERNAL', exit: ExitCode.FAILURE },
};
