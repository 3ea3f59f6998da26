/**
 * The registry: every stable error code bpfwarden raises, AREA_WHAT, with
 * its kind (src/domain/error-kinds.ts). One object, so a code cannot be
 * defined twice; each area's error class takes only its own slice.
 *
 * `api`: the code the REST API has always shown for this error, kept so
 * clients keep working (several areas once shared names such as
 * RULE_NOT_FOUND; the route tells them apart). Without it the API shows
 * `code`. `http`: the few protocol errors whose status HTTP itself fixes.
 *
 * Not here: BpfError's errno codes (EPERM, ENOENT, ...), which follow
 * Node's convention and take their kind from the errno (src/ebpf/errors.ts).
 */
import type { ErrorKind } from './error-kinds.ts';

export interface ErrorDef {
  readonly kind: ErrorKind;
  readonly api?: string;
  readonly http?: number;
}

export const ERROR_CODES = {
  // XDP firewall (src/domain/enforce/firewall, src/enforce/firewall)
  FIREWALL_BAD_RULE: { kind: 'invalid', api: 'BAD_RULE' },
  FIREWALL_BAD_SETTING: { kind: 'invalid', api: 'BAD_SETTING' },
  FIREWALL_BAD_ARGUMENT: { kind: 'usage', api: 'BAD_ARGUMENT' },
  FIREWALL_DUPLICATE_ID: { kind: 'conflict', api: 'DUPLICATE_ID' },
  FIREWALL_RULE_NOT_FOUND: { kind: 'not-found', api: 'RULE_NOT_FOUND' },
  FIREWALL_FROM_CONFIG: { kind: 'conflict', api: 'FROM_CONFIG' },
  FIREWALL_RULES_DO_NOT_FIT: { kind: 'conflict', api: 'RULES_DO_NOT_FIT' },
  FIREWALL_NO_INTERFACE: { kind: 'not-found', api: 'NO_INTERFACE' },
  FIREWALL_NOT_LOADED: { kind: 'unavailable', api: 'NOT_LOADED' },
  FIREWALL_ATTACH_FAILED: { kind: 'kernel', api: 'ATTACH_FAILED' },
  FIREWALL_LOAD_FAILED: { kind: 'kernel', api: 'LOAD_FAILED' },
  FIREWALL_PIN_MISMATCH: { kind: 'conflict', api: 'PIN_MISMATCH' },
  FIREWALL_PINS_WOULD_VANISH: { kind: 'conflict', api: 'PINS_WOULD_VANISH' },

  // Egress and exec policy (src/enforce/policy); the API always showed these codes.
  POLICY_BAD_RULE: { kind: 'invalid' },
  POLICY_NOT_FOUND: { kind: 'not-found' },
  POLICY_CONFIG_RULE: { kind: 'conflict' },
  POLICY_LOCKED: { kind: 'conflict' },
  POLICY_PIN_MISMATCH: { kind: 'conflict' },
  POLICY_TOO_MANY_RULES: { kind: 'conflict' },
  POLICY_NO_CGROUP2: { kind: 'unavailable' },
  POLICY_LOAD: { kind: 'kernel' },

  // REST API: requests (src/api/http) and the query worker (src/api/db)
  API_BAD_REQUEST: { kind: 'invalid', api: 'BAD_REQUEST' },
  API_UNSUPPORTED_MEDIA_TYPE: { kind: 'invalid', api: 'UNSUPPORTED_MEDIA_TYPE', http: 415 },
  API_HEADERS_TOO_LARGE: { kind: 'invalid', api: 'HEADERS_TOO_LARGE', http: 431 },
  API_REQUEST_TIMEOUT: { kind: 'invalid', api: 'REQUEST_TIMEOUT', http: 408 },
  API_NO_ROUTE: { kind: 'not-found', api: 'NOT_FOUND' },
  API_UNAUTHORIZED: { kind: 'unauthenticated', api: 'UNAUTHORIZED' },
  API_STARTING: { kind: 'unavailable', api: 'STARTING' },
  API_TOO_MANY_STREAMS: { kind: 'exhausted', api: 'TOO_MANY_STREAMS' },
  API_STREAMS_UNAVAILABLE: { kind: 'unavailable', api: 'STREAMS_UNAVAILABLE' },
  API_POLICY_UNAVAILABLE: { kind: 'unavailable', api: 'POLICY_UNAVAILABLE' },
  API_FIREWALL_UNAVAILABLE: { kind: 'unavailable', api: 'FIREWALL_UNAVAILABLE' },
  API_METRICS_UNAVAILABLE: { kind: 'unavailable', api: 'METRICS_UNAVAILABLE' },
  API_MANAGER_UNAVAILABLE: { kind: 'unavailable', api: 'MANAGER_UNAVAILABLE' },
  API_PROGRAM_NOT_FOUND: { kind: 'not-found', api: 'PROGRAM_NOT_FOUND' },
  API_RULE_NOT_FOUND: { kind: 'not-found', api: 'RULE_NOT_FOUND' },
  API_RULE_EXISTS: { kind: 'conflict', api: 'RULE_EXISTS' },
  API_RULE_INVALID: { kind: 'invalid', api: 'RULE_INVALID' },
  API_ALERT_NOT_FOUND: { kind: 'not-found', api: 'ALERT_NOT_FOUND' },
  API_BAD_FILTER: { kind: 'usage', api: 'BAD_FILTER' },
  API_DB_UNAVAILABLE: { kind: 'unavailable', api: 'DB_UNAVAILABLE' },
  API_DB_QUERY: { kind: 'internal', api: 'DB_QUERY' },
  API_TIMEOUT: { kind: 'unavailable', api: 'TIMEOUT' },
  API_INTERNAL: { kind: 'internal', api: 'INTERNAL' },
  /** The CLI's client: the agent answered with an error (its code is `remoteCode`). */
  API_REMOTE: { kind: 'internal' },

  // Live feeds (src/api/feed)
  FEED_BAD_FILTER: { kind: 'usage', api: 'BAD_FILTER' },
  FEED_CLOSED: { kind: 'unavailable' },
  FEED_DB_UNAVAILABLE: { kind: 'unavailable', api: 'DB_UNAVAILABLE' },

  // gRPC server start (src/api/grpc)
  GRPC_CONFIG: { kind: 'invalid' },
  GRPC_LISTEN: { kind: 'unavailable' },

  // SQLite store (src/store)
  STORE_DB_OPEN: { kind: 'unavailable' },
  STORE_DB_NOT_FOUND: { kind: 'not-found' },
  STORE_DB_SCHEMA: { kind: 'conflict' },
  STORE_DB_CORRUPT: { kind: 'internal' },
  STORE_DB_MIGRATION: { kind: 'internal' },
  STORE_DB_QUERY: { kind: 'internal' },
  STORE_BAD_FILTER: { kind: 'usage' },

  // Program manager (src/manager)
  MANAGER_NOT_ALLOWED: { kind: 'forbidden' },
  MANAGER_BAD_OBJECT: { kind: 'invalid' },
  MANAGER_NOT_FOUND: { kind: 'not-found' },
  MANAGER_BAD_ARGUMENT: { kind: 'usage' },
  MANAGER_ATTACH_FAILED: { kind: 'kernel' },
  MANAGER_LOAD_FAILED: { kind: 'kernel' },

  // The eBPF library's own codes (errno codes are BpfError's, see above)
  BPF_VERIFIER: { kind: 'kernel' },
  BPF_NATIVE_MISSING: { kind: 'not-ready' },

  // Agent lifecycle (src/agent)
  AGENT_CONFIG: { kind: 'invalid' },
  AGENT_PREFLIGHT: { kind: 'kernel' },
  AGENT_DATABASE: { kind: 'unavailable' },
  AGENT_STORE: { kind: 'unavailable' },
  AGENT_API: { kind: 'unavailable' },
  AGENT_NO_MONITORS: { kind: 'kernel' },
  AGENT_STOPPING: { kind: 'unavailable' },
  AGENT_NO_CGROUP2: { kind: 'unavailable' },
  AGENT_CGROUP_OPEN: { kind: 'unavailable' },
  AGENT_FILE_FILTER: { kind: 'invalid' },
  AGENT_NET_FILTER: { kind: 'invalid' },
  AGENT_DROP_FILTER: { kind: 'invalid' },

  // Detection rules (src/agent/detection) and time arguments (src/domain/time-spec.ts)
  DETECTION_RULE_INVALID: { kind: 'invalid' },
  TIME_INVALID: { kind: 'usage' },

  // The command line (src/cli)
  CLI_USAGE: { kind: 'usage' },
  CLI_RULE_NOT_FOUND: { kind: 'not-found' },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of one area: `CodesOf<'FIREWALL'>` is every FIREWALL_... code. */
export type CodesOf<Area extends string> = Extract<ErrorCode, `${Area}_${string}`>;
