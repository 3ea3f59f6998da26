/**
 * The one way to the policy for a caller that changes it (the CLI, the
 * API): an admin context saying where the rules and pins are and who acts.
 * Its kernel side, like the agent's (startPolicy), is built by
 * policyComponents (policy-service.ts).
 */
import type { NativeBridge } from '../../ebpf/index.ts';
import type { AdminContext } from './policy-admin.ts';
import { currentUser } from './policy-service.ts';

export interface PolicySite {
  readonly dbPath: string;
  readonly pinRoot: string;
  /** Needed to touch the kernel; commands that only read the database do without. */
  readonly bridge?: NativeBridge;
  readonly actor: AdminContext['actor'];
  /** Recorded with each change; default: the user behind the command for the CLI, "api" for the API. */
  readonly user?: string;
  readonly eventsPerSecondPerRule?: number;
}

export function policyAdmin(site: PolicySite): AdminContext {
  return {
    dbPath: site.dbPath,
    pinRoot: site.pinRoot,
    ...(site.bridge ? { bridge: site.bridge } : {}),
    user: site.user ?? (site.actor === 'cli' ? currentUser() : site.actor),
    actor: site.actor,
    ...(site.eventsPerSecondPerRule !== undefined
      ? { eventsPerSecondPerRule: site.eventsPerSecondPerRule }
      : {}),
  };
}
