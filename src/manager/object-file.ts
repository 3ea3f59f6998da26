/**
 * The object files an operator brings: only from allowed directories, only
 * BPF ELF files (checked before libbpf sees them, for one clear error), and
 * identified by their sha256 so a changed file is noticed at reconcile.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { ManagerError } from './errors.ts';

const EM_BPF = 247;

/** The file's real path if it lies in one of the allowed directories; else NOT_ALLOWED. */
export function allowedObjectPath(file: string, allowedDirs: readonly string[]): string {
  let real: string;
  try {
    real = realpathSync(resolve(file));
  } catch (err) {
    throw new ManagerError('MANAGER_NOT_FOUND', `cannot read object file ${file}: ${(err as Error).message}`);
  }
  for (const dir of allowedDirs) {
    let d: string;
    try {
      d = realpathSync(dir);
    } catch {
      continue;
    }
    if (real.startsWith(d.endsWith(sep) ? d : d + sep)) return real;
  }
  throw new ManagerError(
    'MANAGER_NOT_ALLOWED',
    `${file} is not in an allowed directory (${allowedDirs.join(', ') || 'none configured'}); copy it there or add its directory to manager.allowedDirs`,
  );
}

/** Throws BAD_OBJECT unless the file starts like a 64-bit little-endian BPF ELF object. */
export function checkBpfElf(path: string): void {
  const head = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 20 || head.readUInt32BE(0) !== 0x7f454c46) {
    throw new ManagerError(
      'MANAGER_BAD_OBJECT',
      `${path} is not an ELF file; build BPF objects with clang -target bpf`,
    );
  }
  const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
  if (machine !== EM_BPF) {
    throw new ManagerError(
      'MANAGER_BAD_OBJECT',
      `${path} is an ELF file for another machine (e_machine ${machine}), not a BPF object; build it with clang -target bpf`,
    );
  }
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
