/** The egress and exec policy for the API, over the same admin code the CLI uses. */
import type { PolicyApi } from '../api/http/deps.ts';
import { HttpError } from '../api/http/errors.ts';
import type { NativeBridge } from '../ebpf/index.ts';
import { PolicyError } from '../enforce/policy/errors.ts';
import { policyAdmin } from '../enforce/policy/factory.ts';
import { addRule, RuleInputError, removeRules } from '../enforce/policy/policy-admin.ts';
import { enforcePinRoot } from '../host/enforce-pins.ts';
import { openDatabase } from '../store/database.ts';
import { listPolicyRules } from '../store/policy-rules-store.ts';
import type { Config } from './config.ts';

const STATUS: Record<string, number> = {
  POLICY_NOT_FOUND: 404,
  POLICY_BAD_RULE: 400,
  POLICY_TOO_MANY_RULES: 409,
  POLICY_CONFIG_RULE: 409,
};

function asHttp(err: unknown): unknown {
  if (err instanceof RuleInputError) {
    return new HttpError(400, err.code, `body: ${err.message}`, err.issues[0]?.field);
  }
  if (err instanceof PolicyError) return new HttpError(STATUS[err.code] ?? 500, err.code, err.message);
  return err;
}

export function policyApi(bridge: NativeBridge, config: Config): PolicyApi {
  const ctx = policyAdmin({
    dbPath: config.database,
    pinRoot: enforcePinRoot(config.enforcement.pinRoot),
    bridge,
    actor: 'api',
    eventsPerSecondPerRule: config.enforcement.policy.eventsPerSecondPerRule,
  });
  const guard = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw asHttp(err);
    }
  };
  return {
    list: (kind) => {
      const db = openDatabase(config.database, { readOnly: true });
      try {
        return listPolicyRules(db, kind);
      } finally {
        db.close();
      }
    },
    add: (kind, body) =>
      guard(() => {
        const r = addRule(ctx, kind, body);
        return { id: r.id, kind, body: r.body };
      }),
    remove: (id) => guard(() => void removeRules(ctx, [id])),
  };
}
