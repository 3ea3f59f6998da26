/**
 * The firewall as the agent runs it: FirewallComponent.apply() from a config
 * section in a child process that then exits (the pins keep enforcing),
 * config rules merged with CLI rules (the config wins an id), and
 * close({ unload: true }) removing everything.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nativeBridge } from '../../src/ebpf/index.ts';
import { FirewallComponent } from '../../src/enforce/firewall/component.ts';
import { FirewallConfigSchema } from '../../src/enforce/firewall/config.ts';
import { createFirewallService } from '../../src/enforce/firewall/factory.ts';
import { projectRoot } from '../../src/host/paths.ts';
import { buildFlood, type FwNet, type FwSandbox, fwNet, fwSandbox, udpReceiver } from '../support/fw-net.ts';
import { kernelSkip } from '../support/kernel-gate.ts';

describe('firewall component', { skip: kernelSkip }, () => {
  let net: FwNet;
  let sb: FwSandbox;

  const delivered = async (src: string, count = 30): Promise<number> => {
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
      ]);
      await new Promise((r) => setTimeout(r, 150));
      return rx.from(src);
    } finally {
      await rx.close();
    }
  };

  before(() => {
    buildFlood();
    net = fwNet();
    sb = fwSandbox();
  });

  after(() => {
    sb?.cleanup();
    net?.cleanup();
  });

  test('apply() with no interface loads nothing (rules stay stored)', () => {
    const lines: string[] = [];
    const config = FirewallConfigSchema.parse({ rules: [{ id: 50, action: 'drop', src: '192.0.2.0/24' }] });
    new FirewallComponent({
      bridge: nativeBridge(),
      db: sb.db,
      pinRoot: sb.pinRoot,
      config,
      log: (l) => lines.push(l),
    }).apply();
    assert.equal(existsSync(join(sb.pinRoot, 'firewall')), false, 'no idle program pinned');
    assert.deepEqual(lines, ['firewall: no interface to attach: not loaded (rules stay stored)']);
    assert.deepEqual(
      sb.svc.rules().map((r) => [r.rule.id, r.source]),
      [[50, 'config']],
    );
    // The next config (below) no longer lists rule 50: it goes.
  });

  test('apply() in a process that exits: config and CLI rules enforced afterwards, the config winning an id', async () => {
    const cli = createFirewallService({
      bridge: nativeBridge(),
      db: sb.db,
      pinRoot: sb.pinRoot,
      author: { who: 'cli', user: 't' },
    });
    cli.addRule({ id: 2, action: 'pass', src: `${net.peer4[1]}/32` });
    cli.addRule({ id: 3, action: 'drop', src: `${net.peer4[2]}/32` });
    const config = {
      interfaces: [net.host],
      rules: [
        { id: 1, action: 'drop', src: `${net.peer4[0]}/32` },
        { id: 2, action: 'drop', src: `${net.peer4[1]}/32` },
      ],
      rateLimit: { logPerSecond: 3 },
    };
    const script = join(sb.dir, 'apply.ts');
    writeFileSync(
      script,
      `import { nativeBridge } from ${JSON.stringify(join(projectRoot(), 'src/ebpf/index.ts'))};
       import { FirewallComponent } from ${JSON.stringify(join(projectRoot(), 'src/enforce/firewall/component.ts'))};
       import { FirewallConfigSchema } from ${JSON.stringify(join(projectRoot(), 'src/enforce/firewall/config.ts'))};
       import { openDatabase } from ${JSON.stringify(join(projectRoot(), 'src/store/database.ts'))};
       const db = openDatabase(${JSON.stringify(sb.dbPath)});
       const c = new FirewallComponent({ bridge: nativeBridge(), db, pinRoot: ${JSON.stringify(sb.pinRoot)},
         config: FirewallConfigSchema.parse(${JSON.stringify(config)}), log: (l) => console.log(l) });
       c.apply();
       c.close({ unload: false });
       db.close();`,
    );
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`firewall: 3 rules in set [AB] .*attached: ${net.host} \\((drv|skb)\\)`),
    );
    assert.equal(await delivered(net.peer4[0]!), 0, 'config rule 1');
    assert.equal(await delivered(net.peer4[1]!), 0, 'rule 2 is the config one (drop), not the CLI pass');
    assert.equal(await delivered(net.peer4[2]!), 0, 'CLI rule 3 stays');
    assert.equal(await delivered(net.peer4[3]!), 30, 'others pass');
    const byId = new Map(cli.rules().map((x) => [x.rule.id, x.source]));
    assert.deepEqual(
      [...byId],
      [
        [1, 'config'],
        [2, 'config'],
        [3, 'cli'],
      ],
    );
    assert.equal(cli.rateLimit().logRate, 3);
    assert.equal(cli.interfaces()[0]?.source, 'config');
  });

  test('apply() again is idempotent; a config without a rule removes it; close({ unload }) removes every pin', async () => {
    const before = sb.svc.store.changes().length;
    const parse = (rules: unknown[]) =>
      FirewallConfigSchema.parse({ interfaces: [net.host], rules, rateLimit: { logPerSecond: 3 } });
    const same = parse([
      { id: 1, action: 'drop', src: `${net.peer4[0]}/32` },
      { id: 2, action: 'drop', src: `${net.peer4[1]}/32` },
    ]);
    new FirewallComponent({ bridge: nativeBridge(), db: sb.db, pinRoot: sb.pinRoot, config: same }).apply();
    assert.equal(sb.svc.store.changes().length, before, 'nothing changed, nothing logged');
    const c = new FirewallComponent({
      bridge: nativeBridge(),
      db: sb.db,
      pinRoot: sb.pinRoot,
      config: parse([{ id: 1, action: 'drop', src: `${net.peer4[0]}/32` }]),
    });
    c.apply();
    assert.equal(await delivered(net.peer4[1]!), 30, 'rule 2 gone with the config');
    assert.equal(await delivered(net.peer4[0]!), 0);
    c.close({ unload: true });
    assert.equal(existsSync(join(sb.pinRoot, 'firewall')), false);
    assert.equal(await delivered(net.peer4[0]!), 30, 'unloaded: nothing enforced');
    assert.equal(sb.svc.interfaces().length, 1, 'the desired state stays for the next start');
  });
});
