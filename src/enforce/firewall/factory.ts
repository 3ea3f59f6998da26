/**
 * The one way to a firewall service, for the agent's component (over the
 * agent's database), the CLI and the API (a writable connection of their own
 * per command or call). The author is who the change log records.
 */
import type { NativeBridge } from '../../ebpf/index.ts';
import { openDatabase } from '../../store/database.ts';
import type { ChangeAuthor } from '../../store/firewall-store.ts';
import { FirewallService, type FirewallServiceDeps } from './service.ts';

export function createFirewallService(deps: FirewallServiceDeps): FirewallService {
  return new FirewallService(deps);
}

export interface FirewallSite {
  readonly bridge: NativeBridge;
  readonly dbPath: string;
  readonly pinRoot: string;
  readonly author: ChangeAuthor;
}

/** Runs fn with a service over its own connection to the database, closed afterwards. */
export function withFirewallService<T>(site: FirewallSite, fn: (svc: FirewallService) => T): T {
  const db = openDatabase(site.dbPath);
  try {
    return fn(createFirewallService({ bridge: site.bridge, db, pinRoot: site.pinRoot, author: site.author }));
  } finally {
    db.close();
  }
}
