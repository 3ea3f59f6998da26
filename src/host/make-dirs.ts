/**
 * mkdir -p without Node's recursive mkdir, which loops forever under /proc
 * (mkdir of /proc/<no such pid> keeps failing with ENOENT, and Node retries
 * the parent). Each missing directory is made once, parents first, with the
 * given mode; the first failure is thrown as it is, naming its path.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDirs(dir: string, mode: number): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d, { mode });
}
