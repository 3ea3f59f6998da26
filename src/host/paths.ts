/** Where bpfwarden keeps its files, and where its build output lives. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_DB_PATH = '/var/lib/bpfwarden/bpfwarden.db';
export const DEFAULT_RUNTIME_DIR = '/run/bpfwarden';
export const BPFFS = '/sys/fs/bpf';
export const TRACEFS = '/sys/kernel/tracing';
/** Where enforcement components pin their maps and links (BPFWARDEN_ENFORCE_PIN_ROOT moves it); apart from the program manager's, so reconcile never sees them as drift. */
export const DEFAULT_ENFORCE_PIN_ROOT = '/sys/fs/bpf/bpfwarden-enforce';

/** The project root (holds build/bpf), found from this file in src/ or dist/src/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bpf'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** Path of a compiled kernel program, e.g. bpfObjectPath('process'). */
export function bpfObjectPath(name: string): string {
  return join(process.env.BPFWARDEN_BPF_DIR ?? join(projectRoot(), 'build', 'bpf'), `${name}.bpf.o`);
}
