/** tracefs and bpffs: found, mounted when privileged, or named as missing. */
import { existsSync, readFileSync } from 'node:fs';
import type { Kernel } from '../ebpf/index.ts';
import { BPFFS, TRACEFS } from './paths.ts';

export interface MountState {
  readonly fs: 'bpf' | 'tracefs';
  readonly target: string;
  readonly mounted: boolean;
  readonly note?: string;
}

export function mountedFilesystems(): Map<string, string> {
  const byTarget = new Map<string, string>();
  try {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, target, type] = line.split(' ');
      if (target && type) byTarget.set(target, type);
    }
  } catch {
    // /proc not mounted: every check below reports "not mounted".
  }
  return byTarget;
}

export function mountState(): MountState[] {
  const m = mountedFilesystems();
  const tracefs = m.get(TRACEFS) === 'tracefs' || m.get('/sys/kernel/debug/tracing') === 'tracefs';
  return [
    { fs: 'bpf', target: BPFFS, mounted: m.get(BPFFS) === 'bpf' },
    { fs: 'tracefs', target: TRACEFS, mounted: tracefs },
  ];
}

/** Mounts what is missing; returns what is still missing, each with the reason. */
export function ensureMounts(kernel: Kernel): MountState[] {
  const out: MountState[] = [];
  for (const s of mountState()) {
    if (s.mounted) {
      out.push(s);
      continue;
    }
    if (!existsSync(s.target)) {
      out.push({ ...s, note: `${s.target} does not exist (is /sys mounted?)` });
      continue;
    }
    try {
      kernel.mount(s.fs === 'bpf' ? 'bpffs' : 'tracefs', s.target, s.fs);
      out.push({ ...s, mounted: true, note: 'mounted by bpfwarden' });
    } catch (err) {
      out.push({
        ...s,
        note: `cannot mount: ${(err as Error).message}; run: mount -t ${s.fs} none ${s.target}`,
      });
    }
  }
  return out;
}
