/**
 * gRPC errors: starting the server (GrpcError, codes GRPC_...,
 * src/domain/error-codes.ts), and the status a call ends with, from the
 * error's kind (src/domain/error-kinds.ts).
 */
import { type ServerErrorResponse, status } from '@grpc/grpc-js';
import type { CodesOf } from '../../domain/error-codes.ts';
import { type ErrorKind, KIND_STATUS } from '../../domain/error-kinds.ts';
import { BpfwardenError, type BpfwardenErrorOptions } from '../../domain/errors.ts';

export type GrpcErrorCode = CodesOf<'GRPC'>;

export class GrpcError extends BpfwardenError {
  declare readonly code: GrpcErrorCode;

  constructor(code: GrpcErrorCode, message: string, options?: BpfwardenErrorOptions) {
    super(code, message, options);
  }
}

/** What a call ends with: grpc-js reads `code` (the status) and `details`. */
export class CallStatus extends Error implements ServerErrorResponse {
  readonly code: status;
  readonly details: string;
  constructor(kind: ErrorKind, details: string) {
    super(details);
    this.name = 'CallStatus';
    this.code = status[KIND_STATUS[kind].grpc];
    this.details = details;
  }
}

/**
 * Any thrown value as a call status: a bpfwarden error by its kind, its
 * message led by the field it names (in the proto's spelling); anything
 * else INTERNAL.
 */
export function callStatusOf(err: unknown, protoField: (field: string) => string = (f) => f): CallStatus {
  if (err instanceof BpfwardenError) {
    const details = err.field === undefined ? err.message : `${protoField(err.field)}: ${err.message}`;
    return new CallStatus(err.kind, details);
  }
  return new CallStatus('internal', err instanceof Error ? err.message : String(err));
}
