/**
 * Processes a monitor never reports, as the kernel programs read them: a
 * hash map from thread group id to flags. EXCLUDE_PROCESS covers the process
 * itself; EXCLUDE_CHILDREN its children, checked by the caller's parent, so a
 * child is covered from its first call (the agent's rule runner: its pid is
 * known only once it is already running).
 */

import { AgentError, type AgentErrorCode } from '../domain/agent-error.ts';
import { type BpfObject, bytes, u32 } from '../ebpf/index.ts';

/** Flag bits of an exclusion map's value (bpf/include/common.bpf.h). */
export const EXCLUDE_PROCESS = 1;
export const EXCLUDE_CHILDREN = 2;

/** Size of every exclusion map in bpf/. */
export const MAX_EXCLUDED_PIDS = 1024;

export interface Exclusion {
  /** Thread group ids whose own activity is never reported. */
  readonly excludePids?: readonly number[];
  /** Thread group ids whose children's activity is never reported. */
  readonly excludeChildrenOf?: readonly number[];
}

/** excludeSelf: the agent and the children it starts (the rule runner). */
export function selfExclusion(on: boolean): Exclusion {
  return on ? { excludePids: [process.pid], excludeChildrenOf: [process.pid] } : {};
}

/** The map's entries: tgid -> flags; an error naming the monitor when there are too many. */
export function exclusionEntries(ex: Exclusion, code: AgentErrorCode): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of ex.excludePids ?? []) m.set(pid, (m.get(pid) ?? 0) | EXCLUDE_PROCESS);
  for (const pid of ex.excludeChildrenOf ?? []) m.set(pid, (m.get(pid) ?? 0) | EXCLUDE_CHILDREN);
  if (m.size > MAX_EXCLUDED_PIDS) {
    throw new AgentError(code, `at most ${MAX_EXCLUDED_PIDS} excluded pids, got ${m.size}`);
  }
  return m;
}

/** Replaces the entries of a loaded object's exclusion map (additions first: never a gap). */
export function writeExclusion(obj: BpfObject, mapName: string, ex: Exclusion, code: AgentErrorCode): void {
  const want = exclusionEntries(ex, code);
  const m = obj.typedMap(mapName, u32, bytes(1));
  for (const [pid, flags] of want) m.set(pid, Uint8Array.of(flags));
  for (const k of [...m.keys()]) if (!want.has(k)) m.delete(k);
}
