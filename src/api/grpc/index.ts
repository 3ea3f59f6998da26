/** gRPC: bpfwarden.v1.Bpfwarden (proto/bpfwarden/v1/bpfwarden.proto). */
export { type GrpcConfig, GrpcConfigSchema, grpcListens } from './config.ts';
export { GrpcError, type GrpcErrorCode } from './errors.ts';
export {
  type Feed,
  type GrpcListen,
  type GrpcServer,
  type GrpcServerOptions,
  type StatusProvider,
  startGrpcServer,
} from './server.ts';
