/**
 * The store worker: decodes raw ring-buffer batches and writes them to
 * SQLite in batched transactions, off the agent's event loop. Retention runs
 * here too, on the one writing connection.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { BootClock } from '../../domain/clock.ts';
import { raiseThreadPriority } from '../../host/thread-priority.ts';
import { BatchIngest } from './batch-ingest.ts';
import { storeFigures } from './figures.ts';
import type { FromWorker, ToWorker, WorkerInit, WorkerStats } from './protocol.ts';
import { StoreCore } from './store-core.ts';

const STATS_MS = 250;
/** Decode error messages forwarded per monitor (the rest are only counted). */
const ERROR_LINES = 10;

function requirePort(): MessagePort {
  if (!parentPort) throw new Error('worker-main.ts runs as a worker thread only');
  return parentPort;
}

const port = requirePort();
const send = (m: FromWorker): void => port.postMessage(m);

function run(init: WorkerInit): void {
  const notRaised = raiseThreadPriority();
  if (notRaised) send({ kind: 'log', line: `store worker keeps its scheduling priority: ${notRaised}` });
  const core = new StoreCore(init, (line) => send({ kind: 'log', line }));
  const { pipeline } = core;
  const clock = new BootClock(BigInt(init.bootOffsetNs));
  const ingest = new BatchIngest(pipeline.sink, init.decoders, clock, (monitor, message, nth) => {
    if (nth <= ERROR_LINES) send({ kind: 'log', line: `monitor ${monitor}: undecodable record: ${message}` });
  });
  let processedBatches = 0;

  const stats = (): WorkerStats => ({ processedBatches, monitors: ingest.counts(), ...storeFigures(core) });

  core.start();
  const statsTimer = setInterval(() => send({ kind: 'stats', stats: stats() }), STATS_MS);
  port.on('message', (m: ToWorker) => {
    switch (m.kind) {
      case 'batch':
        processedBatches++;
        ingest.batch(m.monitor, m.bytes, m.count, m.priority);
        return;
      case 'clock':
        clock.update(BigInt(m.bootOffsetNs));
        return;
      case 'stop':
        clearInterval(statsTimer);
        core.stop();
        send({ kind: 'stopped', stats: stats() });
        port.close();
        return;
    }
  });
  send({ kind: 'ready' });
}

try {
  run(workerData as WorkerInit);
} catch (err) {
  send({ kind: 'failed', message: (err as Error).message });
}
