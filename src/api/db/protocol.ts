/** Messages between the API and its query worker. */
import type { ApiDbErrorCode } from './errors.ts';

export interface DbRequest {
  readonly id: number;
  readonly op: string;
  readonly arg: unknown;
}

export type DbReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly code: ApiDbErrorCode;
      readonly message: string;
      readonly field?: string;
    };
