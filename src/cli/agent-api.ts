/**
 * How commands reach a running agent: its API on the Unix socket
 * (BPFWARDEN_API_SOCKET, default /run/bpfwarden/api.sock). A command given an
 * explicit --db reads that database instead; with no agent answering, commands
 * read the database read-only (and commands that change state write it).
 */
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { Command } from 'commander';
import { ApiClient } from '../api/client.ts';
import { DEFAULT_RUNTIME_DIR } from '../host/paths.ts';
import { openDatabase } from '../store/database.ts';

export function apiSocket(env: NodeJS.ProcessEnv = process.env): string {
  return env.BPFWARDEN_API_SOCKET || join(DEFAULT_RUNTIME_DIR, 'api.sock');
}

/** True when the user named the database: then the command reads it, not the agent's. */
export function dbChosen(cmd: Command): boolean {
  const src = cmd.getOptionValueSource('db');
  return src === 'cli' || src === 'env';
}

/** Commands that start the agent or work on files, never on a running agent's database. */
const OWN_DATABASE = new Set(['agent', 'config', 'doctor', 'completion']);

/**
 * Before any command with --db runs: when the user named no database (and no
 * configuration file), and an agent answers on the socket, the command uses
 * that agent's database, so every command sees what the agent stores
 * whatever path it was started with. Commands with an API route go through
 * the API instead (viaAgentOr); this covers the rest alike.
 */
export async function adoptAgentDatabase(cmd: Command, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!cmd.options.some((o) => o.attributeName() === 'db')) return;
  for (let c: Command | null = cmd; c; c = c.parent) if (OWN_DATABASE.has(c.name())) return;
  if (dbChosen(cmd)) return;
  const cfg = cmd.getOptionValueSource('config');
  if (cfg === 'cli' || cfg === 'env') return;
  const api = await ApiClient.connect(apiSocket(env));
  if (!api) return;
  try {
    const s = await api.get<{ database?: unknown }>('/api/v1/status');
    if (typeof s?.database === 'string' && s.database)
      cmd.setOptionValueWithSource('db', s.database, 'config');
  } catch {
    // An agent that cannot say: keep the default path.
  } finally {
    await api.close();
  }
}

/** Runs viaApi against the running agent, or viaDb when none answers (or a database was named). */
export async function viaAgentOr<T>(
  cmd: Command,
  viaApi: (api: ApiClient) => Promise<T>,
  viaDb: () => T | Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const api = dbChosen(cmd) ? undefined : await ApiClient.connect(apiSocket(env));
  if (!api) return viaDb();
  try {
    return await viaApi(api);
  } finally {
    await api.close();
  }
}

/** Runs fn on the database file, closed afterwards. */
export function withDb<T>(path: string, readOnly: boolean, fn: (db: DatabaseSync) => T): T {
  const db = openDatabase(path, { readOnly });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
