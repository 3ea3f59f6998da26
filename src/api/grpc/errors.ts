/** Errors starting the gRPC server, with stable codes. */

export type GrpcErrorCode = 'GRPC_CONFIG' | 'GRPC_LISTEN';

export class GrpcError extends Error {
  readonly code: GrpcErrorCode;

  constructor(code: GrpcErrorCode, message: string) {
    super(message);
    this.name = 'GrpcError';
    this.code = code;
  }
}
