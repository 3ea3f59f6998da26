/**
 * A sandbox for program manager tests: a temp database, a pin root of its own
 * under /sys/fs/bpf, the test objects' directory allowed, and helpers to run
 * the real CLI (bin/bpfwarden) and read a pinned counter map.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeBridge, OwnedFd } from '../../src/ebpf/index.ts';
import { projectRoot } from '../../src/host/paths.ts';
import { BIN } from './agent-process.ts';

export const TEST_BPF = join(projectRoot(), 'build', 'test-bpf');

/** Builds the test objects and the uprobe target when missing or stale. */
export function buildTestObjects(): void {
  const r = spawnSync(join(projectRoot(), 'scripts', 'build-test-bpf.sh'), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-test-bpf.sh failed: ${r.stderr}`);
}

export interface Sandbox {
  readonly dir: string;
  readonly db: string;
  readonly pinRoot: string;
  readonly env: NodeJS.ProcessEnv;
  cli(args: readonly string[]): { status: number | null; stdout: string; stderr: string };
  /** Runs the CLI with --json and --db, expects success, parses JSON lines. */
  json<T = Record<string, unknown>>(args: readonly string[]): T[];
  cleanup(): void;
}

export function sandbox(extraAllowed: readonly string[] = []): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-mgr-'));
  const pinRoot = `/sys/fs/bpf/bwtest-${randomBytes(4).toString('hex')}`;
  const env = {
    ...process.env,
    BPFWARDEN_PROGRAM_DIRS: [TEST_BPF, ...extraAllowed].join(':'),
    BPFWARDEN_PIN_ROOT: pinRoot,
    NO_COLOR: '1',
  };
  const db = join(dir, 'bw.db');
  const sb: Sandbox = {
    dir,
    db,
    pinRoot,
    env,
    cli: (args) => {
      const r = spawnSync(BIN, [...args], { encoding: 'utf8', env });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    json: <T>(args: readonly string[]): T[] => {
      const r = sb.cli([...args, '--json', ...(args[0] === 'kernel' ? [] : ['--db', db])]);
      if (r.status !== 0) throw new Error(`bpfwarden ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
      return r.stdout
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as T);
    },
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      if (existsSync(pinRoot)) rmSync(pinRoot, { recursive: true, force: true });
    },
  };
  return sb;
}

/** The u64 at key 0 of the array map pinned at path. */
export function readCounter(path: string): bigint {
  const bridge = nativeBridge();
  const fd = OwnedFd.fromPin(bridge, path);
  try {
    const v = new Uint8Array(8);
    const r = bridge.mapLookup(fd.fd, new Uint8Array(4), v);
    if (r < 0) throw new Error(`lookup in ${path}: ${bridge.lastError()}`);
    return new DataView(v.buffer).getBigUint64(0, true);
  } finally {
    fd.close();
  }
}

/** Runs a command, throwing with its stderr on failure. */
export function sh(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Node code sending count UDP datagrams to host:9, 20 ms apart (no ping on every host). */
export function udpSender(host: string, count: number): string {
  return `const s = require('node:dgram').createSocket('udp4'); let n = ${count};
    const f = () => s.send('bpfwarden', 9, '${host}', () => (--n > 0 ? setTimeout(f, 20) : s.close())); f();`;
}

/** A veth pair: host end in this namespace, peer end in a new network namespace. */
export interface VethPair {
  readonly ns: string;
  readonly host: string;
  readonly hostIp: string;
  /** Sends count UDP datagrams from the namespace to the host end (discard port). */
  send(count: number): void;
  cleanup(): void;
}

export function vethPair(): VethPair {
  const id = randomBytes(3).toString('hex');
  const ns = `bwns${id}`;
  const host = `bwh${id}`;
  const peer = `bwp${id}`;
  const octet = 1 + (Number.parseInt(id.slice(0, 2), 16) % 250);
  const hostIp = `10.213.${octet}.1`;
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
  sh('ip', ['link', 'set', peer, 'netns', ns]);
  sh('ip', ['addr', 'add', `${hostIp}/30`, 'dev', host]);
  sh('ip', ['link', 'set', host, 'up']);
  sh('ip', ['-n', ns, 'addr', 'add', `10.213.${octet}.2/30`, 'dev', peer]);
  sh('ip', ['-n', ns, 'link', 'set', peer, 'up']);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  return {
    ns,
    host,
    hostIp,
    send: (count) => {
      const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', udpSender(hostIp, count)], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`sending from ${ns} failed: ${r.stderr}`);
    },
    cleanup: () => {
      spawnSync('ip', ['link', 'del', host]);
      spawnSync('ip', ['netns', 'del', ns]);
    },
  };
}
