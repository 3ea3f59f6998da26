/**
 * What `bpfwarden firewall` and `bpfwarden ratelimit` share: the database
 * (opened writable: they record changes directly, with or without an
 * agent), the enforcement pin root, bpffs mounted, and the service.
 */
import type { Command } from 'commander';
import { FirewallError } from '../../domain/enforce/firewall/errors.ts';
import { Kernel, nativeBridge } from '../../ebpf/index.ts';
import { withFirewallService } from '../../enforce/firewall/factory.ts';
import { persistentPinRoot } from '../../enforce/firewall/host-pins.ts';
import { currentUser, type FirewallService } from '../../enforce/firewall/service.ts';
import { enforcePinRoot } from '../../host/enforce-pins.ts';
import { ensureMounts } from '../../host/mounts.ts';
import { DEFAULT_DB_PATH, DEFAULT_ENFORCE_PIN_ROOT } from '../../host/paths.ts';

export interface FirewallCliOptions {
  readonly db?: string;
  readonly pinRoot?: string;
  readonly json?: boolean;
}

export function withFirewallOptions(cmd: Command): Command {
  return cmd
    .option('--db <path>', `database file (default ${DEFAULT_DB_PATH})`)
    .option(
      '--pin-root <dir>',
      `enforcement pin root under /sys/fs/bpf (default $BPFWARDEN_ENFORCE_PIN_ROOT, else ${DEFAULT_ENFORCE_PIN_ROOT})`,
    );
}

export function pinRootOf(o: FirewallCliOptions, env: NodeJS.ProcessEnv = process.env): string {
  // The flag, else BPFWARDEN_ENFORCE_PIN_ROOT, else the default.
  const root = (o.pinRoot ?? enforcePinRoot(undefined, env)).replace(/\/+$/, '');
  if (!root.startsWith('/sys/fs/bpf/') || root.includes('..'))
    throw new FirewallError(
      'FIREWALL_BAD_ARGUMENT',
      `--pin-root ${root}: expected a directory under /sys/fs/bpf/`,
    );
  return root;
}

/**
 * Runs fn with a firewall service over the writable database, closed
 * afterwards. Pins go where they outlive the command: in a mount namespace
 * of its own (ip netns exec), into the host's bpffs (host-pins.ts).
 */
export function withFirewall<T>(o: FirewallCliOptions, fn: (svc: FirewallService) => T): T {
  const at = persistentPinRoot(pinRootOf(o));
  const pinRoot = at.root;
  const bridge = nativeBridge();
  // Through the host's bpffs nothing needs mounting here: a bpffs mounted in this namespace would not last.
  if (!at.viaHost) ensureMounts(new Kernel(bridge));
  const author = { who: 'cli', user: currentUser() } as const;
  return withFirewallService({ bridge, dbPath: o.db ?? DEFAULT_DB_PATH, pinRoot, author }, fn);
}

export function writeJson(out: NodeJS.WritableStream, v: unknown): void {
  out.write(`${JSON.stringify(v)}\n`);
}

export const usage = (message: string): FirewallError => new FirewallError('FIREWALL_BAD_ARGUMENT', message);

/** Runs fn; a rule or setting refused for its values is a usage error here (exit 2): the values came from the command line. */
export function fromArguments<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (
      err instanceof FirewallError &&
      (err.code === 'FIREWALL_BAD_RULE' || err.code === 'FIREWALL_BAD_SETTING')
    )
      throw new FirewallError('FIREWALL_BAD_ARGUMENT', err.message, { cause: err });
    throw err;
  }
}
