/** Cgroup links by program fd: a cgroup v2 directory and an attach type (ingress, sock_create, ...). */
import { closeSync, openSync } from 'node:fs';
import type { NativeBridge } from '../bridge.ts';
import { check } from '../check.ts';
import { BpfError } from '../errors.ts';
import { CGROUP_ATTACH_TYPES } from '../names.ts';
import { FdLink } from './fd-link.ts';

export interface CgroupTarget {
  readonly path: string;
  /** Attach type name, e.g. "ingress", "egress", "sock_create", "connect4". */
  readonly attachType: string;
}

export function cgroupAttachType(name: string): number {
  const t = CGROUP_ATTACH_TYPES[name];
  if (t === undefined) {
    throw new BpfError(
      'EINVAL',
      `unknown cgroup attach type "${name}"; one of: ${Object.keys(CGROUP_ATTACH_TYPES).join(', ')}`,
    );
  }
  return t;
}

/**
 * The one way a program is attached to a cgroup: a bpf_link on an open
 * cgroup directory (what libbpf's bpf_program__attach_cgroup does too).
 * `what` names the attachment in errors.
 */
export function attachCgroupFd(
  bridge: NativeBridge,
  progFd: number,
  cgroupFd: number,
  attachType: number,
  target: string,
  what = `cgroup ${target}`,
): FdLink {
  const fd = check(bridge, bridge.linkCreate(progFd, cgroupFd, attachType, 0), `attach ${what}`);
  return new FdLink(bridge, fd, 'cgroup', target);
}

export function attachCgroup(bridge: NativeBridge, progFd: number, t: CgroupTarget): FdLink {
  const type = cgroupAttachType(t.attachType);
  let dir: number;
  try {
    dir = openSync(t.path, 'r');
  } catch (err) {
    throw new BpfError('ENOENT', `cannot open cgroup ${t.path}: ${(err as Error).message}`);
  }
  try {
    return attachCgroupFd(bridge, progFd, dir, type, `${t.path} ${t.attachType}`);
  } finally {
    closeSync(dir);
  }
}
