/**
 * A veth pair for the firewall benchmark: the host end here (where the
 * firewall attaches), the sender end in a network namespace of its own, with
 * static neighbour entries so nothing but the flood crosses the pair.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

export interface BenchPair {
  readonly ns: string;
  readonly host: string;
  readonly hostAddr: string;
  readonly senderAddr: string;
  /** The sender's /24: the benchmark's rules cover it without matching the flood. */
  readonly senderNet: string;
  /** Packets the host end has received so far. */
  rxPackets(): number;
  cleanup(): void;
}

export function benchPair(): BenchPair {
  const id = randomBytes(3).toString('hex');
  const ns = `bwbench${id}`;
  const host = `bwbh${id}`;
  const peer = `bwbp${id}`;
  const octet = 1 + (Number.parseInt(id.slice(0, 2), 16) % 250);
  const hostAddr = `10.233.${octet}.1`;
  const senderAddr = `10.233.${octet}.2`;
  const cleanup = (): void => {
    spawnSync('ip', ['link', 'del', host]);
    spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', ns);
    ip('addr', 'add', `${hostAddr}/24`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('-n', ns, 'addr', 'add', `${senderAddr}/24`, 'dev', peer);
    ip('-n', ns, 'link', 'set', peer, 'up');
    // IPv6 off on both ends: no router or listener chatter during the runs.
    ip('netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${peer}.disable_ipv6=1`);
    execFileSync('sysctl', ['-q', '-w', `net.ipv6.conf.${host}.disable_ipv6=1`]);
    const hostMac = readFileSync(`/sys/class/net/${host}/address`, 'utf8').trim();
    const peerMac = ip('netns', 'exec', ns, 'cat', `/sys/class/net/${peer}/address`).trim();
    ip('-n', ns, 'neigh', 'replace', hostAddr, 'lladdr', hostMac, 'dev', peer, 'nud', 'permanent');
    ip('neigh', 'replace', senderAddr, 'lladdr', peerMac, 'dev', host, 'nud', 'permanent');
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    ns,
    host,
    hostAddr,
    senderAddr,
    senderNet: `10.233.${octet}.0/24`,
    rxPackets: () => Number(readFileSync(`/sys/class/net/${host}/statistics/rx_packets`, 'utf8')),
    cleanup,
  };
}
