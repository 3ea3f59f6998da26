/** The store worker's priority: raised for its own thread only, or the reason it could not be. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

/** nice of the calling thread, from /proc/thread-self/stat (field 19). */
const THREAD_NICE = `(() => { const s = require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]); })()`;

function threadNice(): number {
  const s = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]);
}

test('raiseThreadPriority sets nice -5 on the calling thread only (or says why it cannot)', async () => {
  const before = threadNice();
  const url = new URL('../../../src/host/thread-priority.ts', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(url)}).then((m) => {
       const why = m.raiseThreadPriority();
       require('node:worker_threads').parentPort.postMessage({ why, nice: ${THREAD_NICE} });
     });`,
    { eval: true },
  );
  const got = await new Promise<{ why?: string; nice: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  if (process.getuid?.() === 0) {
    assert.equal(got.why, undefined);
    assert.equal(got.nice, -5, 'the worker thread runs at nice -5');
  } else {
    assert.equal(typeof got.why, 'string', 'without CAP_SYS_NICE it gives the reason');
  }
  assert.equal(threadNice(), before, 'the calling process (main thread) keeps its priority');
});
