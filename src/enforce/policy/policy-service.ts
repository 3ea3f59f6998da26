/**
 * The egress and exec policy as one service, for the agent and the CLI:
 * rules live in the database (the CLI's and the configuration file's), and
 * each component reads them at every apply, so a change made by the CLI
 * while the agent runs is what the agent's next window flip applies too.
 */
import { userInfo } from 'node:os';
import type { NativeBridge } from '../../ebpf/index.ts';
import { openDatabase } from '../../store/database.ts';
import { type ConfigSyncResult, syncConfigRules } from '../../store/policy-rules-store.ts';
import { EgressPolicy } from '../egress/egress-policy.ts';
import { ExecPolicy } from '../exec/exec-policy.ts';
import type { PolicyConfig } from '../policy-config.ts';
import { configRules, type PolicyRules, readPolicyRules } from './policy-rules.ts';

export interface PolicyServiceOptions {
  readonly bridge: NativeBridge;
  readonly pinRoot: string;
  readonly dbPath: string;
  readonly eventsPerSecondPerRule?: number;
  /** The agent: re-apply at time-window edges. */
  readonly scheduleWindows?: boolean;
  readonly log?: (line: string) => void;
}

export interface PolicyComponents {
  readonly egress: EgressPolicy;
  readonly exec: ExecPolicy;
}

/** Reads the recorded rules (a short read-only connection: safe beside the agent's writer). */
export function readRulesFrom(dbPath: string): PolicyRules {
  const db = openDatabase(dbPath, { readOnly: true });
  try {
    return readPolicyRules(db);
  } finally {
    db.close();
  }
}

export function policyComponents(o: PolicyServiceOptions): PolicyComponents {
  let warned = new Set<string>();
  const rules = (): PolicyRules => {
    const r = readRulesFrom(o.dbPath);
    // Report each invalid stored rule once per process, not at every window edge.
    const now = new Set(r.invalid.map((i) => i.message));
    for (const m of now) if (!warned.has(m)) o.log?.(`policy: not applied: ${m}`);
    warned = now;
    return r;
  };
  const common = {
    bridge: o.bridge,
    pinRoot: o.pinRoot,
    ...(o.eventsPerSecondPerRule !== undefined ? { eventsPerSecondPerRule: o.eventsPerSecondPerRule } : {}),
    ...(o.scheduleWindows !== undefined ? { scheduleWindows: o.scheduleWindows } : {}),
    ...(o.log ? { log: o.log } : {}),
  };
  return {
    egress: new EgressPolicy({ ...common, rules: () => rules().egress }),
    exec: new ExecPolicy({ ...common, rules: () => rules().exec }),
  };
}

/** Who runs this: the sudo user behind root, else the account name. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SUDO_USER) return env.SUDO_USER;
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * For the agent at start: records the configuration file's rules (they
 * replace a CLI rule with the same id), then builds the components with
 * window scheduling. The caller applies them (and closes them at exit).
 */
export function startPolicy(
  o: PolicyServiceOptions & { readonly config: PolicyConfig },
): PolicyComponents & { readonly recorded: ConfigSyncResult } {
  const db = openDatabase(o.dbPath);
  let recorded: ConfigSyncResult;
  try {
    recorded = syncConfigRules(db, configRules(o.config), currentUser(), Date.now() * 1000);
  } finally {
    db.close();
  }
  const parts = [
    recorded.added.length ? `added ${recorded.added.join(',')}` : '',
    recorded.replaced.length ? `replaced ${recorded.replaced.join(',')}` : '',
    recorded.removed.length ? `removed ${recorded.removed.join(',')}` : '',
  ].filter(Boolean);
  if (parts.length) o.log?.(`policy: rules from the configuration: ${parts.join('; ')}`);
  return {
    ...policyComponents({
      ...o,
      scheduleWindows: o.scheduleWindows ?? true,
      eventsPerSecondPerRule: o.eventsPerSecondPerRule ?? o.config.eventsPerSecondPerRule,
    }),
    recorded,
  };
}
