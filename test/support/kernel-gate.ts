/**
 * Kernel tests run as root on a kernel with BTF and built BPF objects.
 * Elsewhere they skip with the reason, unless BPFWARDEN_REQUIRE_KERNEL=1
 * (CI), where a missing capability is a failure, never a silent skip.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kernel, nativeBridge } from '../../src/ebpf/index.ts';
import { ensureMounts } from '../../src/host/mounts.ts';
import { bpfObjectPath, projectRoot } from '../../src/host/paths.ts';

function missing(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.geteuid?.() !== 0) return 'not root (kernel tests load BPF programs)';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel has no BTF (/sys/kernel/btf/vmlinux)';
  if (!existsSync(join(projectRoot(), 'native', 'build', 'Release', 'bpfwarden_native.node'))) {
    return 'native bridge not built (npm run build:native)';
  }
  if (!existsSync(bpfObjectPath('process'))) return 'BPF objects not built (npm run build:bpf)';
  return undefined;
}

const reason = missing();
if (reason && process.env.BPFWARDEN_REQUIRE_KERNEL === '1') {
  throw new Error(`kernel tests are required (BPFWARDEN_REQUIRE_KERNEL=1) but cannot run: ${reason}`);
}
if (reason) console.log(`# kernel tests skipped: ${reason}`);
// Tracepoint programs need tracefs, pinning needs bpffs: mount them as the agent would.
if (!reason) ensureMounts(new Kernel(nativeBridge()));

/** Pass as the `skip` option of test(): false when the kernel tests can run, else the reason. */
export const kernelSkip: string | false = reason ?? false;
