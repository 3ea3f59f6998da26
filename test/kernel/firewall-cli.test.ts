/**
 * `bpfwarden firewall` and `bpfwarden ratelimit` end to end: the real CLI
 * (bin/bpfwarden, built dist/) against a database and pin root of the
 * test's own, with real traffic. Each command is its own process, so every
 * check after one also shows the pins outlive the process that made them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN } from '../support/agent-process.ts';
import { buildFlood, type FwNet, fwNet, udpReceiver } from '../support/fw-net.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually } from '../support/spawn.ts';

describe('firewall CLI', { skip: kernelSkip }, () => {
  let net: FwNet;
  let dir: string;
  const pinRoot = `/sys/fs/bpf/bwfwcli-${randomBytes(4).toString('hex')}`;
  const env = { ...process.env, BPFWARDEN_ENFORCE_PIN_ROOT: pinRoot, NO_COLOR: '1' };

  const cli = (args: readonly string[]) => {
    const r = spawnSync(BIN, [...args, '--db', join(dir, 'bw.db')], { encoding: 'utf8', env });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (args: readonly string[]): string => {
    const r = cli(args);
    assert.equal(r.status, 0, `bpfwarden ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const json = <T = Record<string, unknown>>(args: readonly string[]): T[] =>
    ok([...args, '--json'])
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as T);
  /** Exit 2: the command line was wrong; 1: the command failed. */
  const fails = (args: readonly string[], message: RegExp, status = 2): void => {
    const r = cli(args);
    assert.equal(
      r.status,
      status,
      `bpfwarden ${args.join(' ')} should fail with ${status}: ${r.stdout}${r.stderr}`,
    );
    assert.match(r.stderr, message);
  };
  const send = async (src: string, count: number): Promise<number> => {
    const rx = await udpReceiver('udp4', net.host4);
    try {
      await net.floodAsync([
        '--src',
        src,
        '--dst',
        net.host4,
        '--port',
        String(rx.port),
        '--count',
        String(count),
        '--rate',
        '2000',
        '--cpu',
        '0',
      ]);
      await new Promise((r) => setTimeout(r, 200));
      return rx.from(src);
    } finally {
      await rx.close();
    }
  };

  before(() => {
    if (!existsSync(BIN.replace(/bin\/bpfwarden$/, 'dist/src/cli/main.js')))
      throw new Error('dist/ is not built (npx tsc -p .)');
    buildFlood();
    net = fwNet();
    dir = mkdtempSync(join(tmpdir(), 'bpfwarden-fwcli-'));
  });

  after(() => {
    spawnSync(BIN, ['firewall', 'detach', '--db', join(dir, 'bw.db')], { env });
    net?.cleanup();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pinRoot, { recursive: true, force: true });
  });

  test('add stores a rule before anything is loaded; list shows it as text and JSON', () => {
    const [blocked] = net.peer4;
    assert.match(
      ok([
        'firewall',
        'add',
        '--id',
        '5',
        '--action',
        'drop',
        '--src',
        `${blocked}/32`,
        '--log',
        '--comment',
        'cli test',
      ]),
      /added rule 5; stored; the firewall is not loaded/,
    );
    const [r] = json(['firewall', 'list']);
    assert.deepEqual(
      {
        id: r?.id,
        action: r?.action,
        src: r?.src,
        log: r?.log,
        protocol: r?.protocol,
        source: r?.source,
        priority: r?.priority,
      },
      {
        id: 5,
        action: 'drop',
        src: `${blocked}/32`,
        log: true,
        protocol: 'any',
        source: 'cli',
        priority: 1000,
      },
    );
    const text = ok(['firewall', 'list']);
    assert.match(text, /^ID\s+PRIO\s+ACTION/m);
    assert.match(
      text,
      new RegExp(`5\\s+1000\\s+drop\\s+yes\\s+any\\s+${blocked!.replaceAll('.', '\\.')}/32`),
    );
  });

  test('bad input is refused naming the option and what was expected, and nothing is stored', () => {
    fails(
      ['firewall', 'add', '--action', 'drop', '--src', '10.0.0.300/8'],
      /--src: "10\.0\.0\.300\/8" is not an IP address or CIDR prefix/,
    );
    fails(['firewall', 'add', '--action', 'drop', '--src', '10.0.0.1/8'], /did you mean 10\.0\.0\.0\/8/);
    fails(
      ['firewall', 'add', '--action', 'drop', '--protocol', 'tcp', '--dport', '80-20'],
      /--dport: 80-20: the range starts after it ends/,
    );
    fails(
      ['firewall', 'add', '--action', 'drop', '--dport', '22'],
      /--dport: ports need protocol tcp or udp/,
    );
    fails(
      ['firewall', 'add', '--action', 'reject'],
      /--action: unknown action "reject" \(expected one of pass, drop, log\)/,
    );
    fails(['firewall', 'add', '--id', '5', '--action', 'pass'], /rule id 5 exists already/, 1);
    fails(['firewall', 'rm', '99'], /no firewall rule with id 99/, 1);
    fails(['firewall', 'attach', net.host, '--mode', 'fast'], /--mode fast: expected auto, drv or skb/);
    fails(['firewall', 'attach', 'bwnosuch0'], /no network interface named "bwnosuch0"/, 1);
    fails(['ratelimit', 'set'], /needs at least one of --rate/);
    fails(['ratelimit', 'set', '--rate', 'fast'], /--rate: "fast" is not valid \(expected an integer/);
    assert.equal(json(['firewall', 'list']).length, 1);
  });

  test('attach loads and pins; traffic is dropped after the CLI exited; stats count it', async () => {
    const [a] = json<{ mode: string; already: boolean }>(['firewall', 'attach', net.host]);
    assert.ok(a?.mode === 'drv' || a?.mode === 'skb', `mode ${a?.mode}`);
    assert.equal(a?.already, false);
    assert.ok(existsSync(`${pinRoot}/firewall/prog`) && existsSync(`${pinRoot}/firewall/events`));
    assert.ok(existsSync(`${pinRoot}/firewall/links/${net.host}`));
    assert.match(ok(['firewall', 'attach', net.host]), /already attached/);
    assert.equal(await send(net.peer4[0]!, 100), 0, 'dropped by the pinned program');
    assert.equal(await send(net.peer4[1]!, 50), 50, 'another source passes');
    const [s] = json<{
      loaded: boolean;
      interfaces: { name: string; link: { attached: boolean } }[];
      rules: { id: number; packets: number }[];
    }>(['firewall', 'stats']);
    assert.equal(s?.loaded, true);
    assert.equal(s?.interfaces[0]?.name, net.host);
    assert.equal(s?.interfaces[0]?.link.attached, true);
    assert.equal(s?.rules.find((r) => r.id === 5)?.packets, 100);
    const text = ok(['firewall', 'stats']);
    assert.match(text, /firewall: loaded/);
    assert.match(text, /dropped by rules\s+\d+/);
  });

  test('ratelimit set, show, stats and clear', async () => {
    const [set] = json<{ rate: number; burst: number; applied: boolean }>([
      'ratelimit',
      'set',
      '--rate',
      '100',
      '--burst',
      '10',
    ]);
    assert.deepEqual([set?.rate, set?.burst, set?.applied], [100, 10, true]);
    assert.equal(json<{ rate: number }>(['ratelimit', 'show'])[0]?.rate, 100);
    assert.match(ok(['ratelimit', 'show']), /rate \(per source, per CPU\)\s+100\/s, burst 10/);
    const got = await send(net.peer4[2]!, 600); // 0.3 s at 2000/s: about 10 + 30 pass
    assert.ok(got >= 20 && got <= 80, `${got} delivered under the limit`);
    const [st] = json<{ dropped: number; sources: { source: string; allowed: number; dropped: number }[] }>([
      'ratelimit',
      'stats',
    ]);
    const src = st?.sources.find((x) => x.source === net.peer4[2]);
    assert.equal(src?.allowed, got);
    assert.equal((src?.allowed ?? 0) + (src?.dropped ?? 0), 600);
    ok(['ratelimit', 'clear']);
    assert.equal(json<{ rate: number }>(['ratelimit', 'show'])[0]?.rate, 0);
    assert.equal(await send(net.peer4[2]!, 300), 300, 'no limit after clear');
  });

  test('rm lets the source through; the change log names every change', async () => {
    assert.match(ok(['firewall', 'rm', '5']), /removed rule 5; applied/);
    assert.equal(await send(net.peer4[0]!, 40), 40);
    const ops = json<{ op: string; target: string; who: string }>(['firewall', 'changes']).map(
      (c) => `${c.who} ${c.op} ${c.target}`,
    );
    assert.deepEqual(ops, [
      'cli add 5',
      `cli attach ${net.host}`,
      'cli set ratelimit',
      'cli clear ratelimit',
      'cli rm 5',
    ]);
  });

  test('detach of one interface, then detach of everything removes every pin', async () => {
    ok(['firewall', 'add', '--id', '6', '--action', 'drop', '--src', `${net.peer4[0]}/32`]);
    assert.equal(await send(net.peer4[0]!, 30), 0);
    assert.match(ok(['firewall', 'detach', net.host]), new RegExp(`detached from ${net.host}`));
    assert.equal(existsSync(`${pinRoot}/firewall/links/${net.host}`), false);
    assert.equal(await send(net.peer4[0]!, 30), 30, 'not filtered once detached');
    ok(['firewall', 'attach', net.host]);
    assert.equal(await send(net.peer4[0]!, 30), 0, 'the stored rules apply again');
    const [d] = json<{ detached: string[]; unloaded: boolean }>(['firewall', 'detach']);
    assert.deepEqual(d, { detached: [net.host], unloaded: true });
    assert.equal(existsSync(`${pinRoot}/firewall`), false, 'no pin left');
    assert.equal(await send(net.peer4[0]!, 30), 30);
    const [s] = json<{ loaded: boolean; rules: unknown[] }>(['firewall', 'stats']);
    assert.equal(s?.loaded, false);
    assert.equal(s?.rules.length, 1, 'rules stay stored');
    await eventually('no XDP program on the interface', () => {
      const r = spawnSync('ip', ['link', 'show', net.host], { encoding: 'utf8' });
      return /xdp/.test(r.stdout) ? undefined : true;
    });
  });
});
