/** `link attach` arguments (KIND TARGET + options) into a LinkSpec, validated before anything is touched. */
import type { LinkSpec } from '../../domain/manager/model.ts';
import { cgroupAttachType } from '../../ebpf/links/cgroup.ts';
import { parseTracepoint } from '../../ebpf/links/tracepoint.ts';
import { parseUprobe } from '../../ebpf/links/uprobe.ts';
import { usageError } from '../errors.ts';

export interface AttachOptions {
  readonly mode?: string;
  readonly direction?: string;
  readonly priority?: string;
  readonly attachType?: string;
  readonly pid?: string;
  readonly retprobe?: boolean;
}

export const LINK_KINDS = ['tracepoint', 'raw-tracepoint', 'xdp', 'tc', 'cgroup', 'uprobe'] as const;

const bad = usageError;

function iface(target: string): string {
  if (!/^[\w.@-]{1,15}$/.test(target)) throw bad(`"${target}" is not a network interface name`);
  return target;
}

export function parseLinkSpec(kind: string, target: string, o: AttachOptions): LinkSpec {
  switch (kind) {
    case 'tracepoint':
      return { kind: 'tracepoint', ...parseTracepoint(target) };
    case 'raw-tracepoint':
    case 'raw_tracepoint':
      if (!/^\w+$/.test(target))
        throw bad(`raw tracepoint must be a plain name (e.g. sched_switch), got "${target}"`);
      return { kind: 'raw_tracepoint', name: target };
    case 'xdp': {
      const mode = o.mode ?? 'auto';
      if (mode !== 'auto' && mode !== 'skb' && mode !== 'drv')
        throw bad(`--mode must be skb or drv, got "${mode}"`);
      return { kind: 'xdp', iface: iface(target), mode };
    }
    case 'tc': {
      if (o.direction !== 'ingress' && o.direction !== 'egress') {
        throw bad('tc needs --direction ingress or --direction egress');
      }
      const priority = o.priority === undefined ? 0 : Number(o.priority);
      if (!Number.isInteger(priority) || priority < 0 || priority > 65535) {
        throw bad(`--priority must be an integer 1..65535, got "${o.priority}"`);
      }
      return { kind: 'tc', iface: iface(target), direction: o.direction, priority, handle: 0 };
    }
    case 'cgroup': {
      if (!o.attachType)
        throw bad('cgroup needs --attach-type (e.g. ingress, egress, sock_create, connect4)');
      cgroupAttachType(o.attachType);
      if (!target.startsWith('/')) throw bad(`cgroup path must be absolute, got "${target}"`);
      return { kind: 'cgroup', path: target, attachType: o.attachType };
    }
    case 'uprobe': {
      const pid = o.pid === undefined ? undefined : Number(o.pid);
      if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0))
        throw bad(`--pid must be a positive integer, got "${o.pid}"`);
      return {
        kind: 'uprobe',
        ...parseUprobe(target),
        retprobe: o.retprobe ?? false,
        ...(pid ? { pid } : {}),
      };
    }
    default:
      throw bad(`unknown attach kind "${kind}"; one of: ${LINK_KINDS.join(', ')}`);
  }
}

/** One line naming where a spec attaches. */
export function describeSpec(s: LinkSpec): string {
  switch (s.kind) {
    case 'tracepoint':
      return `${s.category}/${s.name}`;
    case 'raw_tracepoint':
      return s.name;
    case 'xdp':
      return `${s.iface} (${s.mode})`;
    case 'tc':
      return `${s.iface} ${s.direction} prio ${s.priority} handle ${s.handle}`;
    case 'cgroup':
      return `${s.path} ${s.attachType}`;
    case 'uprobe':
      return `${s.binary}:${s.symbol}${s.retprobe ? ' (return)' : ''}${s.pid ? ` pid ${s.pid}` : ''}`;
  }
}
