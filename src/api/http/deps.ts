/** What the HTTP API needs from the agent; each piece is a small interface the agent implements. */
import type { StatusSnapshot } from '../../domain/contracts/status.ts';
import type { StoredEvent } from '../../store/event-query.ts';
import type { ApiDb } from '../db/client.ts';
import type {
  AlertFilterInput,
  AlertRow,
  EventFilterInput,
  FeedHandlers,
  FeedSubscription,
} from '../feed/index.ts';
import type { StreamSlots } from '../streams/index.ts';

/** A live source of committed rows (events or alerts), tailed from the store (src/api/feed). */
export interface LiveFeed<Row, Filter> {
  /** Throws FeedError BAD_FILTER naming the field. */
  subscribe(filter: Filter, handlers: FeedHandlers<Row>, after?: number): FeedSubscription;
}

export interface MetricsRenderer {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface Health {
  readonly ready: boolean;
  /** Why not ready (starting, stopping, no monitor running...). */
  readonly detail?: string;
}

/** The program manager, as the API needs it (src/api/http/adapters/programs.ts adapts ProgramManager). */
export interface ProgramsApi {
  list(): readonly unknown[];
  /** Throws HttpError API_PROGRAM_NOT_FOUND for an unknown id. */
  get(id: number): unknown;
  links(): readonly unknown[];
  reconcile(dryRun: boolean): { type: string; description: string; ok?: boolean; error?: string }[];
}

/** Egress and exec policy, as the API needs it (src/api/http/adapters/policy.ts adapts the policy admin). Errors are bpfwarden errors. */
export interface PolicyApi {
  list(kind?: 'egress' | 'exec'): readonly unknown[];
  add(
    kind: 'egress' | 'exec',
    body: Record<string, unknown>,
  ): { id: number; kind: 'egress' | 'exec'; body: Record<string, unknown> };
  remove(id: number): void;
}

/** The XDP firewall, as the API needs it (src/api/http/adapters/firewall.ts adapts the firewall service). Errors are bpfwarden errors. */
export interface FirewallApi {
  rules(): readonly Record<string, unknown>[];
  add(body: Record<string, unknown>): Record<string, unknown>;
  remove(id: number): void;
  stats(): Record<string, unknown> & { loaded: boolean; rules: readonly Record<string, unknown>[] };
}

export interface ApiDeps {
  readonly db: ApiDb;
  /** The agent's status now; undefined before it has started. */
  readonly status: () => StatusSnapshot | undefined;
  readonly health: () => Health;
  readonly version: string;
  readonly metrics?: MetricsRenderer;
  readonly programs?: ProgramsApi;
  readonly policy?: PolicyApi;
  readonly firewall?: FirewallApi;
  readonly feeds?: {
    readonly events: LiveFeed<StoredEvent, EventFilterInput>;
    readonly alerts: LiveFeed<AlertRow, AlertFilterInput>;
  };
  /** Live streams open at once, shared with gRPC (default: a budget of its own, DEFAULT_MAX_STREAMS). */
  readonly streams?: StreamSlots;
}
