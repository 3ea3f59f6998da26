/**
 * Host readiness checks shared by `bpfwarden doctor` and agent start-up.
 * Each check says ok, missing or warn, what it saw, and how to fix it.
 */
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { Helper, type Kernel, MapType, ProgType } from '../ebpf/index.ts';
import { Cap, canLoadTracing, effectiveCaps, hasCap } from '../host/capabilities.ts';
import { mountState } from '../host/mounts.ts';
import { bpfObjectPath } from '../host/paths.ts';

export type CheckStatus = 'ok' | 'missing' | 'warn';

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
  /** The agent cannot run without it. */
  readonly required: boolean;
}

const MIN_KERNEL: readonly [number, number] = [5, 8];

function kernelAtLeast(rel: string, min: readonly [number, number]): boolean {
  const [maj = 0, minor = 0] = rel.split(/[.-]/).map((x) => Number.parseInt(x, 10));
  return maj > min[0] || (maj === min[0] && minor >= min[1]);
}

function check(name: string, ok: boolean, detail: string, fix: string, required = true): Check {
  return {
    name,
    status: ok ? 'ok' : required ? 'missing' : 'warn',
    detail,
    ...(ok ? {} : { fix }),
    required,
  };
}

/** Checks that need no BPF syscall. */
export function hostChecks(): Check[] {
  const rel = release();
  const caps = effectiveCaps();
  const checks: Check[] = [
    check(
      'kernel',
      kernelAtLeast(rel, MIN_KERNEL),
      `Linux ${rel}`,
      `bpfwarden needs Linux ${MIN_KERNEL.join('.')} or newer (BPF ring buffers)`,
    ),
    check(
      'btf',
      existsSync('/sys/kernel/btf/vmlinux'),
      '/sys/kernel/btf/vmlinux',
      'boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (most distribution kernels since 2021)',
    ),
    check(
      'privileges',
      canLoadTracing(caps),
      `effective capabilities 0x${caps.toString(16)}`,
      'run as root, or grant CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (e.g. setcap or systemd AmbientCapabilities)',
    ),
    check(
      'cap_net_admin',
      hasCap(caps, Cap.NET_ADMIN),
      hasCap(caps, Cap.NET_ADMIN) ? 'present' : 'absent',
      'grant CAP_NET_ADMIN for network monitors and enforcement',
      false,
    ),
  ];
  for (const m of mountState()) {
    checks.push(
      check(
        m.fs === 'bpf' ? 'bpffs' : 'tracefs',
        m.mounted,
        `${m.target} ${m.mounted ? 'mounted' : 'not mounted'}`,
        `the agent mounts it when privileged; or run: mount -t ${m.fs} none ${m.target}`,
        false,
      ),
    );
  }
  const obj = bpfObjectPath('process');
  checks.push(check('bpf objects', existsSync(obj), obj, 'build them: npm run build:bpf'));
  return checks;
}

/** Checks that ask the kernel through the BPF syscall (need privileges). */
export function kernelChecks(kernel: Kernel): Check[] {
  const probe = (name: string, r: 'yes' | 'no' | 'unknown', fix: string, required = true): Check =>
    check(
      name,
      r === 'yes',
      r === 'unknown' ? 'could not probe (permission?)' : r === 'yes' ? 'supported' : 'not supported',
      fix,
      required,
    );
  const raw = ProgType.RAW_TRACEPOINT;
  return [
    { name: 'libbpf', status: 'ok', detail: kernel.libbpfVersion(), required: true },
    probe('map: ringbuf', kernel.mapType(MapType.RINGBUF), 'BPF ring buffers need Linux 5.8+'),
    probe('prog: raw_tracepoint', kernel.progType(raw), 'kernel lacks raw tracepoint programs'),
    probe(
      'prog: tracepoint',
      kernel.progType(ProgType.TRACEPOINT),
      'kernel lacks tracepoint programs',
      false,
    ),
    probe('helper: ringbuf_reserve', kernel.helper(raw, Helper.ringbuf_reserve), 'needs Linux 5.8+'),
    probe('helper: probe_read_kernel', kernel.helper(raw, Helper.probe_read_kernel), 'needs Linux 5.5+'),
    probe('helper: probe_read_user', kernel.helper(raw, Helper.probe_read_user), 'needs Linux 5.5+'),
    probe('helper: ktime_get_boot_ns', kernel.helper(raw, Helper.ktime_get_boot_ns), 'needs Linux 5.8+'),
    probe(
      'helper: send_signal',
      kernel.helper(raw, Helper.send_signal),
      'exec enforcement needs bpf_send_signal (Linux 5.3+)',
      false,
    ),
  ];
}

/** The first required check that failed, as one operator sentence. */
export function firstBlocker(checks: readonly Check[]): Check | undefined {
  return checks.find((c) => c.required && c.status !== 'ok');
}
