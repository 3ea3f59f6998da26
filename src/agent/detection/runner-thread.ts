/**
 * The rule runner as a thread of the agent, used when the SQLite deadline
 * extension is built: each run is bounded inside SQLite, so nothing has to
 * be killed and rules need no Node process of their own.
 *
 * workerData: { dbPath, timeoutMs }
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openRuleSession, type RuleSession } from './runner-core.ts';
import type { FromChild, ToChild } from './runner-protocol.ts';

function main(port: NonNullable<typeof parentPort>): void {
  const send = (m: FromChild): void => port.postMessage(m);
  const { dbPath, timeoutMs } = workerData as { dbPath: string; timeoutMs: number };
  let session: RuleSession;
  try {
    session = openRuleSession(dbPath, timeoutMs);
  } catch (err) {
    send({ type: 'fatal', error: (err as Error).message });
    return;
  }
  if (!session.bounded) {
    // Without a deadline a runaway rule would hold this thread for good.
    send({ type: 'fatal', error: 'the SQLite deadline extension did not load' });
    return;
  }
  port.on('message', (m: ToChild) => {
    if (m.type === 'run') session.runBatch(m.batch, send);
  });
  send({ type: 'ready', bounded: true });
}

if (parentPort) main(parentPort);
