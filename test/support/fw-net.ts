/**
 * Firewall test bed: a network namespace joined to this one by a veth pair.
 * The firewall attaches to the host end (this namespace); traffic comes from
 * the namespace end, which holds several addresses per family so one test
 * can send from a blocked and an allowed source. Neighbour entries are
 * static both ways: no ARP or neighbour discovery, whose packets a rule on
 * the same addresses would drop too. Also: a temp database and a pin root of
 * the test's own, the flood tool, and UDP receivers counting per source.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { BootClock } from '../../src/domain/clock.ts';
import { forEachRecord, Kernel, nativeBridge, RingBuffer } from '../../src/ebpf/index.ts';
import { createFirewallService } from '../../src/enforce/firewall/factory.ts';
import { FirewallMaps } from '../../src/enforce/firewall/loader.ts';
import type { FirewallService } from '../../src/enforce/firewall/service.ts';
import { decodePolicyRecord } from '../../src/families/policy/decode.ts';
import type { PolicyEvent } from '../../src/families/policy/events.ts';
import { projectRoot } from '../../src/host/paths.ts';
import { openDatabase } from '../../src/store/database.ts';
import { sh } from './manager-env.ts';

export const FLOOD = join(projectRoot(), 'build', 'pkt_flood');

/** Builds the flood tool (bench/storm/pkt_flood.c) when missing or stale. */
export function buildFlood(): void {
  const r = spawnSync(join(projectRoot(), 'scripts', 'build-tools.sh'), { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(FLOOD)) throw new Error(`build-tools.sh failed: ${r.stderr}`);
}

export interface FloodResult {
  readonly sent: number;
  readonly failed: number;
  readonly seconds: number;
  readonly pps: number;
}

export interface FwNet {
  readonly ns: string;
  readonly host: string;
  readonly peer: string;
  /** Host end addresses (where traffic goes). */
  readonly host4: string;
  readonly host6: string;
  /** Namespace end addresses: index 0 is the primary. */
  readonly peer4: readonly string[];
  readonly peer6: readonly string[];
  /** The /24 (and /64) the namespace's addresses are in. */
  readonly net4: string;
  readonly net6: string;
  /** Runs the flood tool in the namespace. */
  flood(args: readonly string[]): FloodResult;
  /** The same, without waiting: resolves when it exits. */
  floodAsync(args: readonly string[]): Promise<FloodResult>;
  cleanup(): void;
}

export function fwNet(extraPeers = 3): FwNet {
  const id = randomBytes(3).toString('hex');
  const ns = `bwfw${id}`;
  const host = `bwfh${id}`;
  const peer = `bwfp${id}`;
  const octet = 1 + (Number.parseInt(id.slice(0, 2), 16) % 250);
  const net4 = `10.232.${octet}.0/24`;
  // Canonical form (no leading zeros, never zero): the kernel and Node print
  // source addresses that way, and receivers count by that string.
  const hex = (1 + (Number.parseInt(id.slice(2, 6), 16) % 0xfffe)).toString(16);
  const net6 = `fd00:bf:${hex}::/64`;
  const host4 = `10.232.${octet}.1`;
  const host6 = `fd00:bf:${hex}::1`;
  const peer4 = Array.from({ length: 1 + extraPeers }, (_, i) => `10.232.${octet}.${i + 2}`);
  const peer6 = Array.from({ length: 1 + extraPeers }, (_, i) => `fd00:bf:${hex}::${i + 2}`);
  const cleanup = (): void => {
    spawnSync('ip', ['link', 'del', host]);
    spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
    sh('ip', ['link', 'set', peer, 'netns', ns]);
    sh('ip', ['addr', 'add', `${host4}/24`, 'dev', host]);
    sh('ip', ['addr', 'add', `${host6}/64`, 'dev', host, 'nodad']);
    sh('ip', ['link', 'set', host, 'up']);
    for (const a of peer4) sh('ip', ['-n', ns, 'addr', 'add', `${a}/24`, 'dev', peer]);
    for (const a of peer6) sh('ip', ['-n', ns, 'addr', 'add', `${a}/64`, 'dev', peer, 'nodad']);
    sh('ip', ['-n', ns, 'link', 'set', peer, 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const hostMac = readFileSync(`/sys/class/net/${host}/address`, 'utf8').trim();
    const peerMac = sh('ip', ['netns', 'exec', ns, 'cat', `/sys/class/net/${peer}/address`]).trim();
    for (const a of [host4, host6])
      sh('ip', ['-n', ns, 'neigh', 'replace', a, 'lladdr', hostMac, 'dev', peer, 'nud', 'permanent']);
    for (const a of [...peer4, ...peer6])
      sh('ip', ['neigh', 'replace', a, 'lladdr', peerMac, 'dev', host, 'nud', 'permanent']);
  } catch (err) {
    cleanup();
    throw err;
  }
  const parse = (out: string): FloodResult =>
    JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as FloodResult;
  return {
    ns,
    host,
    peer,
    host4,
    host6,
    peer4,
    peer6,
    net4,
    net6,
    flood: (args) => parse(sh('ip', ['netns', 'exec', ns, FLOOD, ...args])),
    floodAsync: (args) =>
      new Promise((resolve, reject) => {
        const child = spawn('ip', ['netns', 'exec', ns, FLOOD, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
        });
        child.on('error', reject);
        child.on('exit', (code) =>
          code === 0 ? resolve(parse(out)) : reject(new Error(`pkt_flood failed (${code}): ${err}`)),
        );
      }),
    cleanup,
  };
}

/** A temp database and a pin root of the test's own, with a service over them. */
export interface FwSandbox {
  readonly dir: string;
  readonly dbPath: string;
  readonly db: DatabaseSync;
  readonly pinRoot: string;
  readonly svc: FirewallService;
  cleanup(): void;
}

export function fwSandbox(): FwSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-fw-'));
  const dbPath = join(dir, 'bw.db');
  const db = openDatabase(dbPath);
  const pinRoot = `/sys/fs/bpf/bwfwtest-${randomBytes(4).toString('hex')}`;
  const svc = createFirewallService({
    bridge: nativeBridge(),
    db,
    pinRoot,
    author: { who: 'api', user: 'test' },
  });
  return {
    dir,
    dbPath,
    db,
    pinRoot,
    svc,
    cleanup: () => {
      try {
        svc.unload();
      } finally {
        db.close();
        rmSync(dir, { recursive: true, force: true });
        rmSync(pinRoot, { recursive: true, force: true });
      }
    },
  };
}

/** A UDP socket on the host end counting datagrams per source address. */
export interface Receiver {
  readonly port: number;
  from(addr: string): number;
  close(): Promise<void>;
}

export async function udpReceiver(type: 'udp4' | 'udp6', host: string): Promise<Receiver> {
  const s = dgram.createSocket({ type, recvBufferSize: 8 << 20 });
  const counts = new Map<string, number>();
  s.on('message', (_m, r) => counts.set(r.address, (counts.get(r.address) ?? 0) + 1));
  await new Promise<void>((resolve) => s.bind(0, host, resolve));
  return {
    port: s.address().port,
    from: (a) => counts.get(a) ?? 0,
    close: () => new Promise((resolve) => s.close(() => resolve())),
  };
}

/** Reads the firewall's pinned ring of bw_policy_event records, as the agent's policy monitor would. */
export interface PolicyRing {
  readonly records: PolicyEvent[];
  /** Drains what is in the ring now. */
  consume(): void;
  close(): void;
}

export function policyRing(pinRoot: string): PolicyRing {
  const bridge = nativeBridge();
  const clock = new BootClock(new Kernel(bridge).bootOffsetNs());
  const maps = FirewallMaps.open(bridge, pinRoot);
  const records: PolicyEvent[] = [];
  const ring = RingBuffer.open(bridge, maps.get('fw_events'), (batch) =>
    forEachRecord(batch, (view, off, size) => {
      const r = decodePolicyRecord(batch.bytes, view, off, size, clock);
      if ('error' in r) throw new Error(r.error);
      records.push(r);
    }),
  );
  return {
    records,
    consume: () => {
      ring.consume();
    },
    close: () => {
      ring.close();
      maps.close();
    },
  };
}
