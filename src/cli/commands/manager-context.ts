/**
 * What the program manager commands share: config, database (opened
 * writable: these commands load, pin and record directly, without an agent),
 * bpffs mounted, and the manager itself.
 */
import type { Command } from 'commander';
import { resolveConfig } from '../../agent/config.ts';
import { Kernel, nativeBridge } from '../../ebpf/index.ts';
import { ensureMounts } from '../../host/mounts.ts';
import { withProgramManager } from '../../manager/factory.ts';
import type { ProgramManager } from '../../manager/service.ts';
import { usageError } from '../errors.ts';

export interface ManagerOptions {
  readonly db?: string;
  readonly config?: string;
  readonly json?: boolean;
}

export function withManagerOptions(cmd: Command): Command {
  return cmd
    .option('--db <path>', 'database file (default /var/lib/bpfwarden/bpfwarden.db)')
    .option('--config <file>', 'configuration file (YAML, JSON or TOML)');
}

/** Runs fn with a manager over a writable database, closed afterwards. */
export function withManager<T>(opts: ManagerOptions, fn: (m: ProgramManager) => T): T {
  const config = resolveConfig({
    ...(opts.config ? { file: opts.config } : {}),
    flags: opts.db ? [{ flag: '--db', path: ['database'], value: opts.db }] : [],
  });
  const bridge = nativeBridge();
  ensureMounts(new Kernel(bridge));
  return withProgramManager(bridge, config, fn);
}

/** Collects a repeatable option's values. */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** KEY=VALUE pairs into a record; a pair without "=" is a usage error. */
export function keyValues(pairs: readonly string[], option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw usageError(`${option} expects KEY=VALUE, got "${p}"`, { field: option });
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

export function positiveId(v: string, what: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) {
    throw usageError(`${what} must be a positive integer, got "${v}"`);
  }
  return Number(v);
}

export function writeJson(out: NodeJS.WritableStream, v: unknown): void {
  out.write(`${JSON.stringify(v)}\n`);
}
