/** Shared test data and temp directories for the store tests. */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DropEvent } from '../../../src/families/drop/events.ts';
import type { ExecEvent, ExitEvent, ForkEvent } from '../../../src/families/process/events.ts';

export const T0_US = 1_763_800_000_000_000; // 2025-11-22, a fixed wall-clock time

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function execEvent(over: Partial<ExecEvent> = {}): ExecEvent {
  return {
    type: 'exec',
    timeUs: T0_US,
    ktimeNs: 123_456_789,
    pid: 4242,
    tid: 4242,
    ppid: 1,
    uid: 1000,
    gid: 1000,
    cgroupId: 9876,
    comm: 'curl',
    filename: '/usr/bin/curl',
    argv: ['curl', '-s', 'https://example.com/a b', "it's"],
    argc: 4,
    argsTruncated: false,
    filenameTruncated: false,
    oldPid: 4242,
    ...over,
  };
}

export function forkEvent(over: Partial<ForkEvent> = {}): ForkEvent {
  return {
    type: 'fork',
    timeUs: T0_US + 1,
    ktimeNs: 123_456_790,
    pid: 100,
    tid: 101,
    ppid: 50,
    uid: 0,
    gid: 0,
    cgroupId: 1,
    comm: 'bash',
    childPid: 200,
    ...over,
  };
}

export function exitEvent(over: Partial<ExitEvent> = {}): ExitEvent {
  return {
    type: 'exit',
    timeUs: T0_US + 2,
    ktimeNs: 123_456_791,
    pid: 200,
    tid: 200,
    ppid: 100,
    uid: 33,
    gid: 33,
    cgroupId: 2,
    comm: 'sleep',
    exitCode: null,
    signal: 9,
    coreDumped: true,
    lifetimeNs: 1_500_000_000,
    ...over,
  };
}

/** Drops ktimeNs (not stored) so a stored event can be compared with its source. */
export function withoutKtime<E extends { ktimeNs: number }>(e: E): Omit<E, 'ktimeNs'> {
  const { ktimeNs: _, ...rest } = e;
  return rest;
}

/** A packet drop (the only family here with an address and port in the events view). */
export function dropEvent(over: Partial<DropEvent> = {}): DropEvent {
  return {
    type: 'drop',
    timeUs: T0_US,
    ktimeNs: 1,
    pid: 0,
    tid: 0,
    ppid: 0,
    uid: 0,
    gid: 0,
    cgroupId: 1,
    comm: 'swapper/0',
    reason: 2,
    reasonName: 'NO_SOCKET',
    location: '0xffffffff81a2b3c4',
    len: 60,
    ifindex: 2,
    ifname: 'eth0',
    netns: 4026531840,
    protocol: 0x0800,
    ipVersion: 4,
    l4Proto: 6,
    saddr: '192.168.1.10',
    daddr: '10.0.0.5',
    sport: 40000,
    dport: 443,
    icmpType: null,
    icmpCode: null,
    ...over,
  };
}
