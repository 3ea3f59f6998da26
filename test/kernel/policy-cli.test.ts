/**
 * `bpfwarden policy` end to end: the real CLI records rules, applies them to
 * the kernel through its own pin root (no agent), answers `policy test` as
 * the kernel decides, refuses bad input naming the flag, and logs changes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { makeCgroup, runInCgroup, type TestCgroup, testPinRoot } from '../support/policy-env.ts';

describe('bpfwarden policy (CLI)', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-policycli-'));
  const db = join(dir, 'bw.db');
  const pinRoot = testPinRoot('policycli');
  const env = { ...process.env, BPFWARDEN_ENFORCE_PIN_ROOT: pinRoot, NO_COLOR: '1' };
  const bin = join(dir, 'bw-true');
  let cg: TestCgroup;
  let srv: net.Server;
  let port: number;

  const cli = (...args: string[]) => {
    const r = spawnSync(BIN, ['policy', ...args, '--db', db], { encoding: 'utf8', env });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const json = <T = Record<string, unknown>>(...args: string[]): T[] => {
    const r = cli(...args, '--json');
    assert.equal(r.status, 0, `policy ${args.join(' ')}: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as T);
  };
  const connect = async (cgroup: TestCgroup | undefined) => {
    const code = `require('node:net').connect(${port}, '127.0.0.1').on('connect', () => { console.log('ok'); process.exit(0) }).on('error', (e) => { console.log(e.code); process.exit(0) })`;
    return (await runInCgroup(cgroup?.path, [process.execPath, '-e', code])).stdout.trim();
  };

  before(async () => {
    cg = makeCgroup('policycli');
    copyFileSync('/usr/bin/true', bin);
    chmodSync(bin, 0o755);
    srv = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    port = (srv.address() as net.AddressInfo).port;
  });

  after(async () => {
    try {
      cli('unload');
    } finally {
      rmSync(pinRoot, { recursive: true, force: true });
      await cg?.remove();
      await new Promise<void>((resolve) => srv?.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  let egressId = 0;

  test('add egress: recorded, loaded through the pins, enforced; policy test agrees', async () => {
    const [added] = json<{
      id: number;
      action: string;
      applied: { egress: { loaded: boolean; rules: number } };
    }>(
      'add',
      'egress',
      '--deny',
      '--cidr',
      '127.0.0.1/32',
      '--port',
      String(port),
      '--protocol',
      'tcp',
      '--cgroup',
      cg.path,
    );
    assert.ok(added && added.id > 0);
    egressId = added.id;
    assert.equal(added.action, 'deny');
    assert.equal(added.applied.egress.loaded, true);
    assert.equal(added.applied.egress.rules, 1);
    assert.ok(existsSync(join(pinRoot, 'egress', 'events')), 'the ring is pinned for the policy monitor');

    assert.equal(await connect(cg), 'EPERM');
    assert.equal(await connect(undefined), 'ok');

    const [inside] = json<{ verdict: string; ruleId: number }>(
      'test',
      'egress',
      '--addr',
      '127.0.0.1',
      '--port',
      String(port),
      '--cgroup',
      cg.path,
    );
    assert.deepEqual([inside?.verdict, inside?.ruleId], ['deny', egressId]);
    const [outside] = json<{ verdict: string; ruleId: number | null }>(
      'test',
      'egress',
      '--addr',
      '127.0.0.1',
      '--port',
      String(port),
    );
    assert.deepEqual([outside?.verdict, outside?.ruleId], ['allow', null]);
    const human = cli('test', 'egress', '--addr', '127.0.0.1', '--port', String(port), '--cgroup', cg.path);
    assert.match(human.stdout, new RegExp(`deny by rule ${egressId}`));

    const list = json<{ id: number; kind: string; source: string; cidr: string }>('list');
    assert.deepEqual(
      list.map((r) => [r.id, r.kind, r.source, r.cidr]),
      [[egressId, 'egress', 'cli', '127.0.0.1/32']],
    );
    const table = cli('list');
    assert.match(table.stdout, /egress: in the kernel/);
    assert.match(table.stdout, /exec: not loaded/);
  });

  test('add exec: the binary is killed; policy test says so', async () => {
    const [added] = json<{ id: number }>('add', 'exec', '--kill', '--path', bin);
    assert.ok(added);
    const r = await runInCgroup(undefined, [bin]);
    assert.equal(r.signal, 'SIGKILL');
    const [t] = json<{ verdict: string; ruleId: number }>('test', 'exec', '--path', bin);
    assert.deepEqual([t?.verdict, t?.ruleId], ['kill', added.id]);
    const [other] = json<{ verdict: string }>('test', 'exec', '--path', '/usr/bin/true');
    assert.equal(other?.verdict, 'allow');
  });

  test('bad input is a usage error naming the flag and what was expected; nothing is recorded', () => {
    const bad = (args: string[], pattern: RegExp) => {
      const r = cli('add', ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    };
    bad(
      ['egress', '--deny', '--cidr', '10.1.0.0/8'],
      /--cidr: 10\.1\.0\.0\/8 has host bits set; did you mean 10\.0\.0\.0\/8\?/,
    );
    bad(['egress', '--cidr', '10.0.0.0/8'], /missing action: give exactly one of --deny, --allow, --audit/);
    bad(['egress', '--deny', '--allow'], /conflicting action/);
    bad(['egress', '--deny', '--port', '70000'], /--port: "70000" must be a port/);
    bad(['egress', '--deny', '--protocol', 'icmp'], /--protocol: .*"tcp"\|"udp"\|"any"/);
    bad(
      ['egress', '--deny', '--window', 'Mon 9-5'],
      /--window \(#1\): "Mon 9-5": times "9-5" must be HH:MM-HH:MM/,
    );
    bad(
      ['egress', '--deny', '--cgroup', '/nonexistent/cg'],
      /--cgroup: \/nonexistent\/cg is not a cgroup v2 directory/,
    );
    bad(['egress', '--deny', '--uid', '-1'], /invalid --uid "-1"/);
    bad(['exec', '--kill'], /--path: an exec rule needs a path/);
    bad(['exec', '--kill', '--path', 'nc'], /--path: "nc" must be an absolute path/);
    bad(['exec', '--kill', '--binary', join(dir, 'missing')], /--binary: .* is not an existing regular file/);
    const t = cli('test', 'egress', '--addr', 'example.com', '--port', '80');
    assert.equal(t.status, 2);
    assert.match(t.stderr, /invalid --addr "example.com": expected an IPv4 or IPv6 address/);
    const rm = cli('rm', '999999');
    assert.equal(rm.status, 1);
    assert.match(rm.stderr, /no policy rule with id 999999/);
    assert.equal(json('list').length, 2, 'only the two valid rules are recorded');
  });

  test('rm applies at once, and every change is in the log', async () => {
    const [r] = json<{ removed: number[] }>('rm', String(egressId));
    assert.deepEqual(r?.removed, [egressId]);
    assert.equal(await connect(cg), 'ok');
    const log = json<{ op: string; ruleId: number; actor: string; user: string | null }>('log');
    assert.deepEqual(
      log.map((c) => [c.op, c.actor]),
      [
        ['add', 'cli'],
        ['add', 'cli'],
        ['rm', 'cli'],
      ],
    );
    assert.equal(log[2]?.ruleId, egressId);
    assert.ok(log.every((c) => typeof c.user === 'string' && c.user.length > 0));
  });

  test('unload stops enforcement and removes the pins; the rules stay recorded', async () => {
    const [u] = json<{ unloaded: string[] }>('unload');
    assert.deepEqual(u?.unloaded.sort(), ['egress', 'exec']);
    assert.equal(existsSync(join(pinRoot, 'exec')), false);
    assert.equal((await runInCgroup(undefined, [bin])).code, 0, 'the binary runs again');
    assert.equal(json('list').length, 1);
  });
});
