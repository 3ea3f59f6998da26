/** DETAILS of process events: the command line, the child, the exit status. Pure. */
import { constants } from 'node:os';
import { formatDuration } from '../../domain/format-duration.ts';
import type { Stored } from '../event-table.ts';
import type { ProcessEvent } from './events.ts';

export function processDetails(e: Stored<ProcessEvent>): string {
  switch (e.type) {
    case 'exec': {
      const file = e.filenameTruncated ? `${e.filename}…` : e.filename;
      // argv[0] is usually the program name, which the filename already says.
      const args = e.argv.slice(1).map(shellQuote);
      if (e.argsTruncated || e.argc > e.argv.length) args.push('…');
      return [file, ...args].join(' ');
    }
    case 'fork':
      return `child=${e.childPid}`;
    case 'exit': {
      const parts: string[] = [];
      if (e.signal !== null) parts.push(`signal=${signalName(e.signal)}`);
      else if (e.exitCode !== null) parts.push(`code=${e.exitCode}`);
      if (e.coreDumped) parts.push('core');
      parts.push(`lifetime=${formatDuration(e.lifetimeNs)}`);
      return parts.join(' ');
    }
  }
}

// Numbers differ between architectures, so take them from the platform, not a table.
// The first name wins for aliases (SIGABRT over SIGIOT, SIGIO over SIGPOLL).
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.signals)) {
  if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name);
}
// As `kill -l` numbers them: glibc keeps 32 and 33 for itself.
const SIGRTMIN = 34;
const SIGRTMAX = 64;

export function signalName(n: number): string {
  const name = SIGNAL_NAMES.get(n);
  if (name !== undefined) return name;
  if (n >= SIGRTMIN && n <= SIGRTMAX) return n === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${n - SIGRTMIN}`;
  return String(n);
}

/** Quotes an argument only when a shell would need it, so common command lines stay readable. */
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
