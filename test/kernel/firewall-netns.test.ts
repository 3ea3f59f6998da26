/**
 * `bpfwarden firewall attach` run inside a network namespace, both ways
 * people do it: `ip netns exec NS` (a mount namespace of its own too, with
 * a fresh /sys: a bpffs mounted there dies with the command) and
 * `nsenter --net` (the host's /sys, whose /sys/class/net lists the host's
 * interfaces). Each time the namespace's interface must really run the
 * firewall after the command exited, as `ip -n NS` sees it, and a rule must
 * act on its traffic: never "attached" with nothing attached.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN } from '../support/agent-process.ts';
import { type FwNet, fwNet } from '../support/fw-net.ts';
import { kernelSkip } from '../support/kernel-gate.ts';

interface XdpLink {
  readonly xdp?: { readonly prog?: { readonly id: number; readonly name: string } };
}

describe('firewall attach inside a network namespace', { skip: kernelSkip }, () => {
  let net: FwNet;
  let dir: string;
  const pinRoot = `/sys/fs/bpf/bwfwns-${randomBytes(4).toString('hex')}`;
  const env = { ...process.env, BPFWARDEN_ENFORCE_PIN_ROOT: pinRoot, NO_COLOR: '1' };
  const db = (): string => join(dir, 'bw.db');

  /** bpfwarden run through a wrapper (ip netns exec / nsenter), or in this namespace with none. */
  const run = (wrap: readonly string[], args: readonly string[]) => {
    const [cmd, ...rest] = [...wrap, BIN, ...args, '--db', db()];
    const r = spawnSync(cmd!, rest, { encoding: 'utf8', env });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const xdpProg = (): { id: number; name: string } | undefined => {
    const r = spawnSync('ip', ['-n', net.ns, '-j', 'link', 'show', net.peer], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as XdpLink[])[0]?.xdp?.prog;
  };
  /** Packets rule `id` counted, read by a command in this (the host's) namespace. */
  const rulePackets = (id: number): number => {
    const r = run([], ['firewall', 'stats', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { rules: { id: number; packets: number }[] };
    return s.rules.find((x) => x.id === id)?.packets ?? -1;
  };
  /** UDP datagrams from this namespace to the namespace's end of the veth (they arrive on net.peer). */
  const send = async (port: number, count: number): Promise<void> => {
    const s = dgram.createSocket('udp4');
    try {
      for (let i = 0; i < count; i++)
        await new Promise<void>((res, rej) =>
          s.send('bpfwarden', port, net.peer4[0]!, (err) => (err ? rej(err) : res())),
        );
    } finally {
      s.close();
    }
    await new Promise((r) => setTimeout(r, 200));
  };

  before(() => {
    net = fwNet(0);
    dir = mkdtempSync(join(tmpdir(), 'bpfwarden-fwns-'));
    const r = run(
      [],
      ['firewall', 'add', '--id', '7', '--action', 'drop', '--protocol', 'udp', '--src', `${net.host4}/32`],
    );
    assert.equal(r.status, 0, r.stderr);
  });

  after(() => {
    spawnSync(BIN, ['firewall', 'detach', '--db', db()], { env });
    net?.cleanup();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pinRoot, { recursive: true, force: true });
  });

  for (const how of ['ip netns exec', 'nsenter --net'] as const) {
    test(`${how}: the namespace's interface runs the firewall after the command exits, and rules act`, async () => {
      const wrap =
        how === 'ip netns exec' ? ['ip', 'netns', 'exec', net.ns] : ['nsenter', `--net=/run/netns/${net.ns}`];
      assert.equal(xdpProg(), undefined, 'nothing attached before');
      const r = run(wrap, ['firewall', 'attach', net.peer, '--json']);
      assert.equal(r.status, 0, `${how} bpfwarden firewall attach: ${r.stderr}`);
      assert.equal(xdpProg()?.name, 'fw_xdp', `ip -n ${net.ns} link show ${net.peer}: XDP attached`);
      const a = JSON.parse(r.stdout) as { iface: string; name: string; netns: string; linkId: number };
      assert.deepEqual([a.name, a.netns, a.iface], [net.peer, net.ns, `${net.peer}@netns:${net.ns}`]);

      const before = rulePackets(7);
      await send(40000 + Math.floor(Math.random() * 1000), 20);
      assert.equal(
        rulePackets(7) - before,
        20,
        'the drop rule saw every datagram on the namespace interface',
      );

      // The host lists it under its qualified name, attached, and the same command from the
      // namespace finds it there.
      const st = run([], ['firewall', 'stats', '--json']);
      const s = JSON.parse(st.stdout) as { interfaces: { name: string; link: { attached: boolean } }[] };
      assert.equal(s.interfaces.find((i) => i.name === a.iface)?.link.attached, true);
      const again = run(wrap, ['firewall', 'attach', net.peer]);
      assert.match(again.stdout, /already attached to .* in network namespace/);

      const d = run(wrap, ['firewall', 'detach', net.peer]);
      assert.equal(d.status, 0, d.stderr);
      assert.equal(xdpProg(), undefined, 'detached from inside the namespace');
    });
  }

  test("the host's interface of that name is not the namespace's", () => {
    const r = run(['ip', 'netns', 'exec', net.ns], ['firewall', 'attach', net.peer]);
    assert.equal(r.status, 0, r.stderr);
    const host = run([], ['firewall', 'attach', net.peer]);
    assert.equal(host.status, 1, 'no interface of that name in the host namespace');
    assert.match(
      host.stderr,
      new RegExp(`no network interface named "${net.peer}" in the host's network namespace`),
    );
    const qualified = run([], ['firewall', 'attach', `${net.peer}@netns:${net.ns}`]);
    assert.equal(qualified.status, 1);
    assert.match(qualified.stderr, /attach it from inside its own \(ip netns exec/);
    const d = run([], ['firewall', 'detach', `${net.peer}@netns:${net.ns}`]);
    assert.equal(d.status, 0, d.stderr);
    assert.equal(xdpProg(), undefined, 'detached from the host by its qualified name');
  });
});
