/**
 * The egress and exec policy for the API, over the same admin code the CLI
 * uses. Policy errors pass through (status from their kind); a bad body is
 * said to be the body's, naming the field.
 */
import type { NativeBridge } from '../../../ebpf/index.ts';
import { PolicyError } from '../../../enforce/policy/errors.ts';
import { policyAdmin } from '../../../enforce/policy/factory.ts';
import { addRule, RuleInputError, removeRules } from '../../../enforce/policy/policy-admin.ts';
import { openDatabase } from '../../../store/database.ts';
import { listPolicyRules } from '../../../store/policy-rules-store.ts';
import type { PolicyApi } from '../deps.ts';

export interface PolicyApiOptions {
  readonly dbPath: string;
  /** Where the enforcement pins live (enforcePinRoot of the configuration). */
  readonly pinRoot: string;
  readonly eventsPerSecondPerRule?: number;
}

function asBodyError(err: unknown): unknown {
  return err instanceof RuleInputError
    ? new PolicyError(err.code, `body: ${err.message}`, { field: err.field, cause: err })
    : err;
}

export function policyApi(bridge: NativeBridge, o: PolicyApiOptions): PolicyApi {
  const ctx = policyAdmin({
    dbPath: o.dbPath,
    pinRoot: o.pinRoot,
    bridge,
    actor: 'api',
    ...(o.eventsPerSecondPerRule !== undefined ? { eventsPerSecondPerRule: o.eventsPerSecondPerRule } : {}),
  });
  const guard = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw asBodyError(err);
    }
  };
  return {
    list: (kind) => {
      const db = openDatabase(o.dbPath, { readOnly: true });
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
