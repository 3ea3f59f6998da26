/**
 * The event model: what the kernel programs report, decoded and with wall
 * clock time. Pure data; decoders in ./decode/ produce these from records.
 */

export const EVENT_TYPES = ['exec', 'fork', 'exit'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Fields every event carries (the common record header). */
export interface EventBase {
  /** Wall-clock time in microseconds since the Unix epoch. */
  readonly timeUs: number;
  /** Kernel boot-clock time in nanoseconds (as recorded; for ordering and latency). */
  readonly ktimeNs: number;
  readonly type: EventType;
  /** Thread group id (what tools call the pid). */
  readonly pid: number;
  readonly tid: number;
  readonly ppid: number;
  readonly uid: number;
  readonly gid: number;
  readonly cgroupId: number;
  readonly comm: string;
}

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

export type BpfEvent = ExecEvent | ForkEvent | ExitEvent;

export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}
