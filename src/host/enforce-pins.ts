/** Where the enforcement components pin: the pin root, and each component's event ring under it. */
import { DEFAULT_ENFORCE_PIN_ROOT } from './paths.ts';

/** The enforcement pin root: configured, else BPFWARDEN_ENFORCE_PIN_ROOT (tests), else the default. */

export function enforcePinRoot(configured?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.BPFWARDEN_ENFORCE_PIN_ROOT;
  if (fromEnv?.startsWith('/sys/fs/bpf/')) return fromEnv.replace(/\/+$/, '');
  return (configured ?? DEFAULT_ENFORCE_PIN_ROOT).replace(/\/+$/, '');
}

/** The pinned event ring of an enforcement component, which the policy monitor drains. */
export function eventsPinPath(pinRoot: string, component: string): string {
  return `${pinRoot}/${component}/events`;
}
