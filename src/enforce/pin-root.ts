/** The enforcement pin root: configured, else BPFWARDEN_ENFORCE_PIN_ROOT (tests), else the default. */
import { DEFAULT_ENFORCE_PIN_ROOT } from './component.ts';

export function enforcePinRoot(configured?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.BPFWARDEN_ENFORCE_PIN_ROOT;
  if (fromEnv?.startsWith('/sys/fs/bpf/')) return fromEnv.replace(/\/+$/, '');
  return (configured ?? DEFAULT_ENFORCE_PIN_ROOT).replace(/\/+$/, '');
}
