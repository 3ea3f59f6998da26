/** Limits of live streams (SSE and gRPC): how many at once, and what each may hold for a slow client. */
export {
  CUT_REASONS,
  type CutReason,
  DEFAULT_MAX_STREAMS,
  StreamSlots,
  type StreamStats,
} from './slots.ts';
export {
  type GuardedStream,
  STREAM_BUFFER_BYTES,
  STREAM_BUFFER_MESSAGES,
  STREAM_DRAIN_TIMEOUT_MS,
  WriteGuard,
  type WriteGuardOptions,
} from './write-guard.ts';
