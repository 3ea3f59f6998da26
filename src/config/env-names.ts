/** Config keys as environment variable names: store.flushIntervalMs <-> BPFWARDEN_STORE__FLUSH_INTERVAL_MS. */
import type { KeyPath } from './problem.ts';

export const ENV_PREFIX = 'BPFWARDEN_';

/** flushIntervalMs -> FLUSH_INTERVAL_MS; units like MiB stay one word (MAX_IN_FLIGHT_MIB). */
export function screamingSnake(key: string): string {
  return key
    .replace(/([KMGT])iB/g, (_, p: string) => `${p}ib`)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

export function envName(path: KeyPath): string {
  return ENV_PREFIX + path.map((k) => screamingSnake(String(k))).join('__');
}

/**
 * Variables with the prefix that are not configuration: switches read
 * directly by the code, the test harness and the config loader itself.
 * A new one read anywhere with process.env must be listed here (a unit
 * test scans src/ and native/ for them).
 */
export const NOT_CONFIG = new Set([
  'BPFWARDEN_CONFIG_DIRS',
  'BPFWARDEN_REQUIRE_KERNEL',
  'BPFWARDEN_PIN_ROOT',
  'BPFWARDEN_PROGRAM_DIRS',
  'BPFWARDEN_ENFORCE_PIN_ROOT',
  'BPFWARDEN_DEBUG',
  'BPFWARDEN_NATIVE',
  'BPFWARDEN_BPF_DIR',
  'BPFWARDEN_LIBBPF_DEBUG',
  'BPFWARDEN_API_SOCKET',
  'BPFWARDEN_SQLITE_DEADLINE',
]);
