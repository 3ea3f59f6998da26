/**
 * The store in the agent's own thread: simplest, for small hosts and tests.
 * Monitors hand it raw batches, decoded here by the same BatchIngest the
 * store worker runs.
 */

import type { BootClock } from '../../domain/clock.ts';
import type { StoreCounters } from '../../domain/contracts/status.ts';
import type { DecoderSpec } from '../../families/decoder.ts';
import type { Config } from '../config.ts';
import type { StoreBackend } from './backend.ts';
import { BatchIngest } from './batch-ingest.ts';
import { storeCounters, storeFigures } from './figures.ts';
import { StoreCore } from './store-core.ts';

/** Undecodable records logged per monitor, then only counted. */
const ERROR_LINES = 10;

export class InProcessStore implements StoreBackend {
  readonly #core: StoreCore;
  readonly #ingest: BatchIngest;

  constructor(
    config: Config,
    decoders: readonly (readonly [string, DecoderSpec])[],
    clock: BootClock,
    log: (line: string) => void,
  ) {
    this.#core = new StoreCore(config, log);
    this.#ingest = new BatchIngest(this.#core.pipeline.sink, decoders, clock, (monitor, message, nth) => {
      if (nth <= ERROR_LINES) log(`monitor ${monitor}: undecodable record: ${message}`);
    });
    this.#core.start();
  }

  readonly raw: NonNullable<StoreBackend['raw']> = (monitor, bytes, count, priority) =>
    this.#ingest.batch(monitor, bytes, count, priority);

  get sink(): StoreBackend['sink'] {
    return this.#core.pipeline.sink;
  }

  counters(): StoreCounters {
    return storeCounters(storeFigures(this.#core), { monitors: this.#ingest.counts() });
  }

  updateClock(): void {
    // Decodes with the agent's clock, which the agent keeps current.
  }

  stop(): Promise<void> {
    this.#core.stop();
    return Promise.resolve();
  }
}
