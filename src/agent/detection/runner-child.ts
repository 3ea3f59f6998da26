/**
 * The rule runner as a process of its own: the fallback where the SQLite
 * deadline extension is not built, so an overrunning rule can only be
 * stopped by killing the process that runs it (node:sqlite cannot interrupt
 * a statement, and a worker thread cannot be terminated while one runs).
 *
 * argv: <database path> <parent pid> <time bound ms>
 */
import { nativeBridge } from '../../ebpf/native.ts';
import { openRuleSession, type RuleSession } from './runner-core.ts';
import type { FromChild, ToChild } from './runner-protocol.ts';

const send = (m: FromChild): void => {
  process.send?.(m);
};

const SIGKILL = 9;

/**
 * Dies with the agent: a statement runs synchronously, so this process would
 * notice the IPC channel closing only once it ends. The kernel's parent-death
 * signal does not wait; a parent that died before it was set is caught by
 * the ppid check. Without the native bridge, the disconnect still ends us.
 */
function dieWithParent(parentPid: number): void {
  try {
    nativeBridge().setParentDeathSignal(SIGKILL);
  } catch {
    // No bridge here: rely on the disconnect.
  }
  if (parentPid > 0 && process.ppid !== parentPid) process.exit(0);
}

function main(): void {
  dieWithParent(Number(process.argv[3] ?? 0));
  const path = process.argv[2];
  if (!path) {
    send({ type: 'fatal', error: 'no database path given' });
    process.exit(2);
  }
  let session: RuleSession;
  try {
    session = openRuleSession(path, Number(process.argv[4] ?? 0));
  } catch (err) {
    send({ type: 'fatal', error: (err as Error).message });
    process.exit(1);
  }
  process.on('message', (m: ToChild) => {
    if (m.type === 'run') session.runBatch(m.batch, send);
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', bounded: session.bounded });
}

if (process.send) main();
