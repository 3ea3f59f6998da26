/**
 * For egress and exec policy tests: cgroups of the test's own under the
 * cgroup v2 root, processes started inside one, a pin root of the test's
 * own, and the policy records read from a pinned ring buffer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootClock } from '../../src/domain/clock.ts';
import { forEachRecord, Kernel, nativeBridge, RingBuffer } from '../../src/ebpf/index.ts';
import { PinnedMap } from '../../src/ebpf/pinned-map.ts';
import { decodePolicyRecord } from '../../src/families/policy/decode.ts';
import type { PolicyEvent } from '../../src/families/policy/events.ts';
import { cgroup2Root } from '../../src/host/cgroup.ts';
import { sleep } from './spawn.ts';

export const testPinRoot = (what: string): string =>
  `/sys/fs/bpf/bwtest-${what}-${randomBytes(4).toString('hex')}`;

export interface TestCgroup {
  readonly path: string;
  /** Moves every process left in it to the root, then removes it. */
  remove(): Promise<void>;
}

export function makeCgroup(name: string): TestCgroup {
  const root = cgroup2Root();
  if (!root) throw new Error('cgroup v2 is not mounted');
  const path = join(root, `bwtest-${name}-${randomBytes(3).toString('hex')}`);
  mkdirSync(path);
  return {
    path,
    remove: async () => {
      for (let i = 0; ; i++) {
        try {
          rmdirSync(path);
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          if (i >= 50) throw err;
          // Busy: processes still in it. Move them to the root (one pid per write).
          for (const pid of readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
            try {
              writeFileSync(join(root, 'cgroup.procs'), pid);
            } catch {
              // Exited meanwhile.
            }
          }
          await sleep(20);
        }
      }
    },
  };
}

export interface Ran {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv inside the cgroup: a shell moves itself in, then execs the command (so the pid is the command's). */
export function runInCgroup(
  cgroup: string | undefined,
  argv: readonly string[],
  timeoutMs = 10_000,
): Promise<Ran> {
  const quoted = argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  const script = cgroup ? `echo $$ > '${cgroup}/cgroup.procs' && exec ${quoted}` : `exec ${quoted}`;
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ pid: child.pid ?? -1, code, signal, stdout: out, stderr: err });
    });
  });
}

/** Reads policy records from a pinned ring buffer as they arrive. */
export class PolicyRingReader {
  readonly events: PolicyEvent[] = [];
  readonly errors: string[] = [];
  readonly #map: PinnedMap;
  readonly #ring: RingBuffer;

  constructor(path: string) {
    const bridge = nativeBridge();
    const clock = new BootClock(new Kernel(bridge).bootOffsetNs());
    this.#map = PinnedMap.open(bridge, path);
    this.#ring = RingBuffer.open(bridge, this.#map.map, (batch) => {
      forEachRecord(batch, (view, off, size) => {
        const r = decodePolicyRecord(batch.bytes, view, off, size, clock);
        if ('error' in r) this.errors.push(r.error);
        else this.events.push(r);
      });
    });
  }

  /** Drains what the kernel committed so far. */
  poll(): PolicyEvent[] {
    this.#ring.consume();
    return this.events;
  }

  close(): void {
    this.#ring.close();
    this.#map.close();
  }
}
