/**
 * Bounds what one stream's transport holds for a client: before each write
 * the bytes (or, for object-mode gRPC calls, messages) still queued are
 * checked against a bound, and a write the transport refused (returned
 * false) must be followed by 'drain' within a timeout. Either failure cuts
 * the stream; a client that does not read would otherwise keep everything
 * written to it until it disconnects.
 */
import type { CutReason } from './slots.ts';

/**
 * Bytes an SSE response may hold queued (beyond the kernel's socket buffer)
 * before its subscriber is cut. A reading client drains a delivery (at most
 * one page of rows) long before; with the subscriber cap this bounds the
 * streams' buffers together.
 */
export const STREAM_BUFFER_BYTES = 1024 * 1024;

/**
 * Messages a gRPC call may hold queued: its stream is object-mode, so
 * writableLength counts messages. Twice a feed page: a delivery fits, a
 * stalled call is cut on the next.
 */
export const STREAM_BUFFER_MESSAGES = 2000;

/** A stream whose transport refused a write and has not drained within this is cut: long enough for a slow link to take one page. */
export const STREAM_DRAIN_TIMEOUT_MS = 5000;

/** What the guard watches: a ServerResponse or a gRPC server stream. */
export interface GuardedStream {
  readonly writableLength: number;
  on(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

export interface WriteGuardOptions {
  /** The bound on writableLength (bytes, or messages for object-mode streams). */
  readonly maxQueued: number;
  readonly drainTimeoutMs: number;
  /** Cut the stream now (destroy it; do not write to it). Called at most once. */
  readonly onCut: (reason: Extract<CutReason, 'buffer' | 'stalled'>) => void;
}

export class WriteGuard {
  readonly #stream: GuardedStream;
  readonly #o: WriteGuardOptions;
  #timer: NodeJS.Timeout | undefined;
  #done = false;
  readonly #drained = (): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  };

  constructor(stream: GuardedStream, options: WriteGuardOptions) {
    this.#stream = stream;
    this.#o = options;
    stream.on('drain', this.#drained);
  }

  /**
   * True when `size` more may be queued. An empty queue always takes a
   * write (one delivery may be larger than the bound); otherwise a queue
   * that would pass the bound cuts the stream and this returns false.
   */
  admit(size: number): boolean {
    if (this.#done) return false;
    const queued = this.#stream.writableLength;
    if (queued > 0 && queued + size > this.#o.maxQueued) {
      this.#cut('buffer');
      return false;
    }
    return true;
  }

  /** Pass each write's result: a refused write starts the drain timeout. Returns `ok`. */
  wrote(ok: boolean): boolean {
    if (!ok && !this.#done && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#cut('stalled'), this.#o.drainTimeoutMs);
      this.#timer.unref();
    }
    return ok;
  }

  /** The stream ended: stop watching. */
  dispose(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stream.off('drain', this.#drained);
  }

  #cut(reason: 'buffer' | 'stalled'): void {
    if (this.#done) return;
    this.dispose();
    this.#o.onCut(reason);
  }
}
