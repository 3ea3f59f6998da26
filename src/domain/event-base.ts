/** Fields every event carries (the common record header). */
export interface EventBase {
  /** Wall-clock time in microseconds since the Unix epoch. */
  readonly timeUs: number;
  /** Kernel boot-clock time in nanoseconds (as recorded; for ordering and latency). */
  readonly ktimeNs: number;
  readonly type: string;
  /** Thread group id (what tools call the pid). */
  readonly pid: number;
  readonly tid: number;
  readonly ppid: number;
  readonly uid: number;
  readonly gid: number;
  readonly cgroupId: number;
  readonly comm: string;
}
