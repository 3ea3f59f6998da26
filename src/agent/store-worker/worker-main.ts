/**
 * The store worker: decodes raw ring-buffer batches and writes them to
 * SQLite in batched transactions, off the agent's event loop. Retention runs
 * here too, on the one writing connection.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { BootClock } from '../../domain/clock.ts';
import { raiseThreadPriority } from '../../host/thread-priority.ts';
import { StoreCore } from '../store-backend/store-core.ts';
import { BatchIngest } from './batch-ingest.ts';
import type { FromWorker, ToWorker, WorkerInit, WorkerStats } from './protocol.ts';

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
  const { writer, pipeline } = core;
  const clock = new BootClock(BigInt(init.bootOffsetNs));
  const ingest = new BatchIngest(pipeline.sink, init.decoders, clock, (monitor, message, nth) => {
    if (nth <= ERROR_LINES) send({ kind: 'log', line: `monitor ${monitor}: undecodable record: ${message}` });
  });
  let processedBatches = 0;

  const stats = (): WorkerStats => {
    const s = writer.stats;
    const retention = core.retention;
    const h = writer.latencyUs;
    const ms = (us: number): number => Math.round(us / 100) / 10;
    return {
      processedBatches,
      monitors: ingest.counts(),
      store: {
        rowsWritten: s.rowsWritten,
        batches: s.batches,
        queued: s.queued,
        queueDropped: s.queueDropped,
        unwritten: s.unwritten,
        writeFailures: s.writeFailures,
        rowsRejected: s.rowsRejected,
        rowsByType: writer.rowsByType(),
        ...(s.lastError ? { lastError: s.lastError } : {}),
      },
      latencyMs: { p50: ms(h.quantile(0.5)), p99: ms(h.quantile(0.99)), max: ms(h.max), count: h.count },
      histograms: {
        latencyUs: h.snapshot(),
        batchRows: writer.batchRows.snapshot(),
        commitUs: writer.commitUs.snapshot(),
      },
      retention: {
        deletedByAge: retention?.stats.deletedByAge ?? 0,
        deletedBySize: retention?.stats.deletedBySize ?? 0,
        failures: retention?.stats.failures ?? 0,
      },
    };
  };

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
