/** The store in the agent's own thread: simplest, for small hosts and tests. */

import type { StoreCounters } from '../../domain/contracts/status.ts';
import type { Config } from '../config.ts';
import type { StoreBackend } from './backend.ts';
import { storeCounters, storeFigures } from './figures.ts';
import { StoreCore } from './store-core.ts';

export class InProcessStore implements StoreBackend {
  readonly #core: StoreCore;

  constructor(config: Config, log: (line: string) => void) {
    this.#core = new StoreCore(config, log);
    this.#core.start();
  }

  get sink(): StoreBackend['sink'] {
    return this.#core.pipeline.sink;
  }

  counters(): StoreCounters {
    return storeCounters(storeFigures(this.#core));
  }

  updateClock(): void {
    // Monitors decode with their own clock in this mode.
  }

  stop(): Promise<void> {
    this.#core.stop();
    return Promise.resolve();
  }
}
