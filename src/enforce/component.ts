/**
 * An enforcement component (firewall + rate limit, egress policy, exec
 * policy): kernel programs that decide, pinned under the enforcement pin root
 * so they keep enforcing when the agent stops, and a ring buffer of
 * `bw_policy_event` records (bpf/include/policy.h) pinned at
 * `<pinRoot>/<name>/events`, which the agent's policy monitor drains.
 */

export interface EnforcementComponent {
  /** 'firewall' | 'egress' | 'exec': also the pin directory under the pin root. */
  readonly name: string;
  /** Loads and pins the programs if they are not pinned yet, then makes the kernel maps match the desired rules. Idempotent. */
  apply(): void;
  /** Releases this process's handles; with unload, also detaches and removes the pins (enforcement stops). */
  close(opts: { readonly unload: boolean }): void;
}
