/** Process events: exec, fork, exit. */
import type { EventBase } from '../../domain/event-base.ts';

export const PROCESS_EVENT_TYPES = ['exec', 'fork', 'exit'] as const;

export interface ExecEvent extends EventBase {
  readonly type: 'exec';
  readonly filename: string;
  /** Arguments as captured, at most the kernel-side bound. */
  readonly argv: readonly string[];
  /** argc as the kernel counted it: larger than argv.length when truncated. */
  readonly argc: number;
  readonly argsTruncated: boolean;
  readonly filenameTruncated: boolean;
  /** Pid before exec: differs from pid when a non-leader thread called execve. */
  readonly oldPid: number;
}

export interface ForkEvent extends EventBase {
  readonly type: 'fork';
  readonly childPid: number;
}

export interface ExitEvent extends EventBase {
  readonly type: 'exit';
  /** Exit code when the process exited normally, else null. */
  readonly exitCode: number | null;
  /** Terminating signal number when killed by a signal, else null. */
  readonly signal: number | null;
  readonly coreDumped: boolean;
  /** Lifetime of the process in nanoseconds. */
  readonly lifetimeNs: number;
}

export type ProcessEvent = ExecEvent | ForkEvent | ExitEvent;
