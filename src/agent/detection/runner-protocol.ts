/** Messages between the engine and its rule-runner child process. */

export interface RunRequest {
  readonly ruleId: string;
  /** The rule's SQL with its new_* sources defined (see withNewEventSources). */
  readonly sql: string;
  readonly fromId: number;
  readonly nowUs: number;
  readonly maxRows: number;
  /** Read events up to this id only (a replay step); default: the newest. */
  readonly toId?: number;
}

export type RunResult =
  | {
      readonly ruleId: string;
      readonly ok: true;
      readonly rows: Record<string, unknown>[];
      readonly truncated: boolean;
      readonly toId: number;
      readonly ms: number;
    }
  | {
      readonly ruleId: string;
      readonly ok: false;
      readonly error: string;
      /** Stopped by the time bound. */
      readonly timedOut?: boolean;
      /** Not run because an earlier rule in the batch was stopped; run again next time. */
      readonly skipped?: boolean;
    };

export type ToChild = { readonly type: 'run'; readonly batch: readonly RunRequest[] };
export type FromChild =
  | { readonly type: 'ready'; readonly bounded: boolean }
  | { readonly type: 'fatal'; readonly error: string }
  | { readonly type: 'result'; readonly result: RunResult }
  | { readonly type: 'done' };
