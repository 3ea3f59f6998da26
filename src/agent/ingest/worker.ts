/** The store in a worker thread: decoding and SQLite off the event loop. */

import type { StoreCounters } from '../../domain/contracts/status.ts';
import type { DecoderSpec } from '../../families/decoder.ts';
import type { Config } from '../config.ts';
import type { StoreBackend } from './backend.ts';
import { storeCounters } from './figures.ts';
import { StoreClient } from './store-client.ts';

export class WorkerStore implements StoreBackend {
  readonly #client: StoreClient;

  private constructor(client: StoreClient) {
    this.#client = client;
  }

  static async start(
    config: Config,
    bootOffsetNs: bigint,
    decoders: readonly (readonly [string, DecoderSpec])[],
    log: (line: string) => void,
  ): Promise<WorkerStore> {
    const client = await StoreClient.start(
      {
        database: config.database,
        store: config.store,
        retention: config.retention,
        bootOffsetNs: String(bootOffsetNs),
        decoders,
      },
      { maxInFlightBytes: config.store.maxInFlightMiB * 1024 * 1024, log },
    );
    return new WorkerStore(client);
  }

  readonly sink: StoreBackend['sink'] = () => {
    // Monitors hand raw batches to this store; decoded events never arrive here.
  };

  get raw(): StoreBackend['raw'] {
    return this.#client.raw;
  }

  counters(): StoreCounters {
    const s = this.#client.stats;
    return storeCounters(s, { inFlightDropped: s.inFlightDropped, failed: s.failed, monitors: s.monitors });
  }

  updateClock(bootOffsetNs: bigint): void {
    this.#client.updateClock(bootOffsetNs);
  }

  async stop(): Promise<void> {
    await this.#client.stop();
  }
}
