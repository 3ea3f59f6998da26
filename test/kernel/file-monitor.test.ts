/** The file monitor in the running kernel: real file activity by child processes, and the kernel filters. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RuleRunner } from '../../src/agent/detection/rule-runner.ts';
import { BootClock } from '../../src/domain/clock.ts';
import { PATH_MAX } from '../../src/domain/layout/header.ts';
import { Kernel, nativeBridge } from '../../src/ebpf/index.ts';
import type { BpfEvent } from '../../src/families/events.ts';
import { selfExclusion } from '../../src/families/exclusion.ts';
import type { ChmodEvent, OpenEvent, RenameEvent, UnlinkEvent } from '../../src/families/file/events.ts';
import { AT_FDCWD } from '../../src/families/file/events.ts';
import { fileMonitor, writeFileFilters } from '../../src/families/file/monitor.ts';
import type { RingMonitor } from '../../src/families/ring-monitor.ts';
import { openDatabase } from '../../src/store/database.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, run, sleep } from '../support/spawn.ts';

const O_ACCMODE = 3;
const O_RDONLY = 0;
const ENOENT = 2;
const AT_REMOVEDIR = 0x200;

type FileOptions = Parameters<typeof fileMonitor>[0];

function startMonitor(
  events: BpfEvent[],
  filters: Omit<FileOptions, 'clock' | 'ringBufferBytes'>,
): RingMonitor {
  const bridge = nativeBridge();
  const kernel = new Kernel(bridge);
  const m = fileMonitor(
    { clock: new BootClock(kernel.bootOffsetNs()), ringBufferBytes: 1 << 24, ...filters },
    { bridge, kernel },
  );
  m.start((batch) => events.push(...batch));
  return m;
}

const sh = (script: string) => run('/bin/sh', ['-c', script]);
/** A node child running script (CommonJS, `fs` in scope). */
const nodeChild = (script: string) => run(process.execPath, ['-e', `const fs=require('node:fs');${script}`]);

function find<T extends BpfEvent>(
  events: BpfEvent[],
  type: T['type'],
  pred: (e: T) => boolean,
): T | undefined {
  return events.find((e): e is T => e.type === type && pred(e as T));
}

function filtered(m: RingMonitor, key: string): number {
  const n = m.status().counters?.[key];
  assert.equal(typeof n, 'number', `counter ${key} in status`);
  return n as number;
}

describe('file monitor', { skip: kernelSkip }, () => {
  const events: BpfEvent[] = [];
  let monitor: RingMonitor;
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfwarden-file-'));
    monitor = startMonitor(events, { excludePids: [process.pid] });
  });

  after(() => {
    monitor?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('open of an existing file: path, O_RDONLY, an fd as result, dirfd AT_FDCWD', async () => {
    const file = join(dir, 'exists.txt');
    writeFileSync(file, 'hello\n');
    const r = await run('/bin/cat', [file]);
    assert.equal(r.code, 0);
    const e = await eventually('open event', () =>
      find<OpenEvent>(events, 'open', (x) => x.pid === r.pid && x.path === file),
    );
    assert.ok(e.result >= 0, `result ${e.result} is an fd`);
    assert.equal(e.flags & O_ACCMODE, O_RDONLY);
    assert.equal(e.syscall, 'openat');
    assert.equal(e.dirfd, AT_FDCWD);
    assert.equal(e.comm, 'cat');
    assert.equal(e.ppid, process.pid);
    assert.equal(e.uid, process.getuid?.());
    assert.equal(e.pathTruncated, false);
    assert.equal(e.pathUnreadable, false);
    assert.ok(Math.abs(e.timeUs - Date.now() * 1000) < 10_000_000, 'time is near now');
  });

  test('open of a missing file: the failure is visible as -ENOENT', async () => {
    const file = join(dir, 'missing.txt');
    const r = await run('/bin/cat', [file]);
    assert.equal(r.code, 1);
    const e = await eventually('open event', () =>
      find<OpenEvent>(events, 'open', (x) => x.pid === r.pid && x.path === file),
    );
    assert.equal(e.result, -ENOENT);
    assert.equal(e.flags & O_ACCMODE, O_RDONLY);
  });

  test('open with O_CREAT carries the mode; a path over the field is cut and flagged', async () => {
    const created = join(dir, 'created.txt');
    // Many short components: too long for the field, no component too long for the kernel.
    const long = `${dir}/${'abcdefghi/'.repeat(30)}f`;
    const exact = `${dir}/`.padEnd(PATH_MAX - 1, 'x'); // 255 bytes: fits with its NUL
    const r = await nodeChild(
      `fs.closeSync(fs.openSync(${JSON.stringify(created)}, 'wx', 0o640));` +
        `for (const p of [${JSON.stringify(long)}, ${JSON.stringify(exact)}]) try { fs.openSync(p, 'r') } catch {}`,
    );
    assert.equal(r.code, 0);
    const c = await eventually('create event', () =>
      find<OpenEvent>(events, 'open', (x) => x.pid === r.pid && x.path === created),
    );
    assert.equal(c.mode, 0o640);
    assert.ok(c.result >= 0);
    assert.notEqual(c.flags & 0o100, 0, 'O_CREAT');
    assert.notEqual(c.flags & 0o200, 0, 'O_EXCL');
    const cut = await eventually('long path event', () =>
      find<OpenEvent>(events, 'open', (x) => x.pid === r.pid && x.pathTruncated),
    );
    assert.equal(cut.path, long.slice(0, PATH_MAX - 1));
    assert.equal(cut.result, -ENOENT);
    const full = await eventually('255-byte path event', () =>
      find<OpenEvent>(events, 'open', (x) => x.pid === r.pid && x.path === exact),
    );
    assert.equal(full.pathTruncated, false);
    assert.equal(full.result, -ENOENT);
  });

  test('unlink and unlinkat(AT_REMOVEDIR), with their results', async () => {
    const file = join(dir, 'doomed.txt');
    const sub = join(dir, 'doomed-dir');
    writeFileSync(file, '');
    mkdirSync(sub);
    const r = await sh(`rm ${file} && rm -d ${sub}; rm ${join(dir, 'never-existed')} 2>/dev/null; exit 0`);
    const rmPid = (path: string) =>
      eventually(`unlink ${path}`, () =>
        find<UnlinkEvent>(events, 'unlink', (x) => x.ppid === r.pid && x.path === path),
      );
    const f = await rmPid(file);
    assert.equal(f.result, 0);
    assert.equal(f.syscall, 'unlinkat');
    assert.equal(f.flags & AT_REMOVEDIR, 0);
    assert.equal(f.comm, 'rm');
    const d = await rmPid(sub);
    assert.equal(d.result, 0);
    assert.equal(d.flags & AT_REMOVEDIR, AT_REMOVEDIR);
    const missing = await rmPid(join(dir, 'never-existed'));
    assert.equal(missing.result, -ENOENT);
  });

  test('rename carries both paths and the result', async () => {
    const from = join(dir, 'before.txt');
    const to = join(dir, 'after.txt');
    writeFileSync(from, 'x');
    const r = await run('/bin/mv', [from, to]);
    assert.equal(r.code, 0);
    const e = await eventually('rename event', () =>
      find<RenameEvent>(events, 'rename', (x) => x.pid === r.pid && x.oldPath === from),
    );
    assert.equal(e.newPath, to);
    assert.equal(e.result, 0);
    assert.ok(['rename', 'renameat', 'renameat2'].includes(e.syscall));
    assert.equal(e.oldDirfd, AT_FDCWD);
    assert.equal(e.newDirfd, AT_FDCWD);

    const bad = await nodeChild(
      `try { fs.renameSync(${JSON.stringify(from)}, ${JSON.stringify(`${to}.2`)}) } catch {}`,
    );
    const f = await eventually('failed rename event', () =>
      find<RenameEvent>(events, 'rename', (x) => x.pid === bad.pid && x.oldPath === from),
    );
    assert.equal(f.result, -ENOENT);
    assert.equal(f.newPath, `${to}.2`);
  });

  test('chmod carries the mode; fchmod the fd and no path', async () => {
    const file = join(dir, 'perm.txt');
    writeFileSync(file, '');
    const r = await run('/bin/chmod', ['640', file]);
    assert.equal(r.code, 0);
    const e = await eventually('chmod event', () =>
      find<ChmodEvent>(events, 'chmod', (x) => x.pid === r.pid && x.path === file),
    );
    assert.equal(e.mode & 0o7777, 0o640);
    assert.equal(e.result, 0);
    assert.equal(e.fd, null);
    assert.ok(['chmod', 'fchmodat', 'fchmodat2'].includes(e.syscall));
    assert.equal(statSync(file).mode & 0o777, 0o640);

    const n = await nodeChild(
      `const fd = fs.openSync(${JSON.stringify(file)}, 'r'); fs.fchmodSync(fd, 0o604); process.stdout.write(String(fd))`,
    );
    const f = await eventually('fchmod event', () =>
      find<ChmodEvent>(events, 'chmod', (x) => x.pid === n.pid && x.syscall === 'fchmod'),
    );
    assert.equal(f.mode & 0o7777, 0o604);
    assert.equal(f.path, '');
    assert.ok(f.fd !== null && f.fd >= 0, `fd ${f.fd}`);
    assert.equal(f.result, 0);
    // The fd is the one the same process's open returned.
    const o = find<OpenEvent>(events, 'open', (x) => x.pid === n.pid && x.path === file);
    assert.equal(o?.result, f.fd);

    // chmod(1) checks with stat first; call chmod(2) on a missing file directly.
    const missing = await nodeChild(
      `try { fs.chmodSync(${JSON.stringify(join(dir, 'no-such'))}, 0o600) } catch {}`,
    );
    const m = await eventually('failed chmod event', () =>
      find<ChmodEvent>(events, 'chmod', (x) => x.pid === missing.pid),
    );
    assert.equal(m.result, -ENOENT);
  });

  test('the excluded pid (this process) is filtered in the kernel, and counted', async () => {
    const before = filtered(monitor, 'filteredOpen');
    const mine = join(dir, 'mine.txt');
    writeFileSync(mine, 'x');
    readFileSync(mine);
    // A child's open after ours: once it arrives, ours would have too.
    const r = await run('/bin/cat', [mine]);
    await eventually('child open', () =>
      find<OpenEvent>(events, 'open', (x) => x.pid === r.pid && x.path === mine),
    );
    assert.equal(events.filter((e) => e.pid === process.pid).length, 0, 'no event from this process');
    assert.ok(filtered(monitor, 'filteredOpen') >= before + 2, 'our opens were counted as filtered');
  });

  test('a successful call always has its path: one unreadable at enter is read again at exit', () => {
    // bpf_probe_read_user cannot fault pages in: a path in a page not yet touched (a new
    // process's string constants) reads as unreadable at enter, but the kernel has read it by exit.
    const lost = events.filter(
      (e) =>
        'pathUnreadable' in e && e.pathUnreadable && e.result >= 0 && !(e.type === 'chmod' && e.fd !== null),
    );
    assert.deepEqual(lost, []);
    assert.ok(events.length > 0);
  });

  test('status: no drops, no decode errors, 26 programs attached', () => {
    const s = monitor.status();
    assert.equal(s.state, 'running');
    assert.equal(s.kernelDrops, 0);
    assert.equal(s.decodeErrors, 0);
    assert.equal(s.attached.length, 26);
    assert.ok(s.attached.includes('tp/syscalls/sys_enter_openat'));
    assert.ok(s.attached.includes('tp/syscalls/sys_exit_fchmodat2'));
  });
});

describe('file monitor: excludeSelf covers the rule runner child', { skip: kernelSkip }, () => {
  test('the runner child opens the database unreported; a grandchild opening it is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-runner-'));
    const db = join(dir, 'bw.db');
    openDatabase(db).close();
    const events: BpfEvent[] = [];
    const monitor = startMonitor(events, { ...selfExclusion(true), pathPrefixes: [`${dir}/`] });
    // The fallback runner, a child process (the default is a thread of this process).
    const runner = new RuleRunner(db, { timeoutMs: 5000, mode: 'process' });
    try {
      const [r] = await runner.run([
        { ruleId: 'probe', sql: 'SELECT 1 AS one', fromId: 0, nowUs: 0, maxRows: 1 },
      ]);
      assert.ok(r?.ok, `the runner ran a query on the database: ${r && !r.ok ? r.error : 'no result'}`);
      const child = runner.pid;
      assert.ok(child !== undefined && child > 0, 'the runner child is running');
      // '; true' keeps the shell from exec'ing cat in its place: cat is a grandchild.
      const grandchild = await sh(`cat ${JSON.stringify(db)} >/dev/null; true`);
      assert.equal(grandchild.code, 0);
      await eventually('the grandchild open', () =>
        find<OpenEvent>(events, 'open', (x) => x.path === db && x.ppid !== process.pid),
      );
      assert.deepEqual(
        events.filter((e) => e.pid === child).map((e) => ('path' in e ? e.path : e.type)),
        [],
        'nothing from the runner child',
      );
      assert.deepEqual(
        events.filter((e) => e.pid === process.pid),
        [],
        'nothing from this process',
      );
    } finally {
      runner.close();
      monitor.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the runner thread opens the database unreported (it is this process)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-runner-'));
    const db = join(dir, 'bw.db');
    openDatabase(db).close();
    const events: BpfEvent[] = [];
    const monitor = startMonitor(events, { ...selfExclusion(true), pathPrefixes: [`${dir}/`] });
    const runner = new RuleRunner(db, { timeoutMs: 5000 });
    try {
      assert.equal(runner.mode, 'thread');
      const [r] = await runner.run([
        { ruleId: 'probe', sql: 'SELECT 1 AS one', fromId: 0, nowUs: 0, maxRows: 1 },
      ]);
      assert.ok(r?.ok, `the runner ran a query on the database: ${r && !r.ok ? r.error : 'no result'}`);
      // A marker open by a child shows the monitor is reporting this directory.
      const marker = await sh(`cat ${JSON.stringify(db)} >/dev/null; true`);
      assert.equal(marker.code, 0);
      await eventually('the child open', () =>
        find<OpenEvent>(events, 'open', (x) => x.path === db && x.pid !== process.pid),
      );
      assert.deepEqual(
        events.filter((e) => e.pid === process.pid),
        [],
        'nothing from this process or its runner thread',
      );
    } finally {
      runner.close();
      monitor.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('excludePids alone leaves the children reported (what the tests above rely on)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-runner-'));
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    const events: BpfEvent[] = [];
    const monitor = startMonitor(events, { excludePids: [process.pid], pathPrefixes: [`${dir}/`] });
    try {
      const r = await run('/bin/cat', [file]);
      await eventually('the child open', () =>
        find<OpenEvent>(events, 'open', (x) => x.pid === r.pid && x.path === file),
      );
    } finally {
      monitor.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('file monitor: path prefix filter', { skip: kernelSkip }, () => {
  const events: BpfEvent[] = [];
  let monitor: RingMonitor;
  let dir: string;
  let inside: string;
  let outside: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfwarden-prefix-'));
    // Siblings sharing most of their bytes: the comparison must be exact, not approximate.
    inside = join(dir, 'in');
    outside = join(dir, 'ix');
    mkdirSync(inside);
    mkdirSync(outside);
    monitor = startMonitor(events, { excludePids: [process.pid], pathPrefixes: [`${inside}/`] });
  });

  after(() => {
    monitor?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an open storm outside the prefix never leaves the kernel; opens inside are captured', async () => {
    const out = join(outside, 'noise.txt');
    const wanted = join(inside, 'wanted.txt');
    writeFileSync(out, 'x');
    writeFileSync(wanted, 'y');
    const before = filtered(monitor, 'filteredOpen');
    const N = 20_000;
    const r = await nodeChild(
      `for (let i = 0; i < ${N}; i++) fs.closeSync(fs.openSync(${JSON.stringify(out)}, 'r'));` +
        `fs.closeSync(fs.openSync(${JSON.stringify(wanted)}, 'r'));`,
    );
    assert.equal(r.code, 0);
    const hit = await eventually('open inside the prefix', () =>
      find<OpenEvent>(events, 'open', (x) => x.pid === r.pid && x.path === wanted),
    );
    assert.ok(hit.result >= 0);
    const delta = filtered(monitor, 'filteredOpen') - before;
    console.log(`# ${delta} opens filtered in the kernel during the storm`);
    assert.ok(delta >= N, `filtered ${delta} >= ${N}`);
    // Also covers node's start-up opens, whose paths are often unreadable at enter: they
    // are read again at exit and filtered there, never sent as empty paths.
    const fromChild = events.filter((e) => e.pid === r.pid);
    assert.deepEqual(
      fromChild.map((e) => (e as OpenEvent).path),
      [wanted],
      'the only event from the storming child is the open inside the prefix',
    );
    assert.equal(monitor.status().kernelDrops, 0);
  });

  test('rename into the prefix is reported (either path may match); unlink outside is not', async () => {
    const a = join(outside, 'moving.txt');
    const b = join(inside, 'moved.txt');
    const c = join(outside, 'gone.txt');
    writeFileSync(a, '');
    writeFileSync(c, '');
    const before = filtered(monitor, 'filteredUnlink');
    const r = await sh(`mv ${a} ${b} && rm ${c} && cat ${b}`);
    assert.equal(r.code, 0);
    const e = await eventually('rename event', () =>
      find<RenameEvent>(events, 'rename', (x) => x.ppid === r.pid && x.newPath === b),
    );
    assert.equal(e.oldPath, a);
    await eventually('later open', () =>
      find<OpenEvent>(events, 'open', (x) => x.ppid === r.pid && x.path === b),
    );
    assert.equal(
      find<UnlinkEvent>(events, 'unlink', (x) => x.path === c),
      undefined,
    );
    assert.ok(filtered(monitor, 'filteredUnlink') >= before + 1, 'the unlink was counted as filtered');
  });

  test('filters change while loaded: with no prefix, outside paths are reported', async () => {
    const obj = monitor.object;
    assert.ok(obj, 'monitor is loaded');
    const out = join(outside, 'now-visible.txt');
    writeFileSync(out, '');
    writeFileFilters(obj, { excludePids: [process.pid], pathPrefixes: [] });
    try {
      const r = await run('/bin/cat', [out]);
      const e = await eventually('open outside', () =>
        find<OpenEvent>(events, 'open', (x) => x.pid === r.pid && x.path === out),
      );
      assert.ok(e.result >= 0);
    } finally {
      writeFileFilters(obj, { excludePids: [process.pid], pathPrefixes: [`${inside}/`] });
    }
  });
});

/** The cgroup v2 mount point (cgroup ids are its directories' inode numbers). */
function cgroup2Root(): string {
  const line = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[2] === 'cgroup2');
  const root = line?.split(' ')[1];
  if (!root) throw new Error('no cgroup2 mount: the cgroup filter test needs cgroup v2');
  return root;
}

describe('file monitor: cgroup filter', { skip: kernelSkip }, () => {
  const events: BpfEvent[] = [];
  let monitor: RingMonitor;
  let dir: string;
  let cgroup: string;
  let cgroupId: number;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfwarden-cgroup-'));
    cgroup = join(cgroup2Root(), `bpfwarden-file-test-${process.pid}`);
    mkdirSync(cgroup);
    cgroupId = statSync(cgroup).ino;
    monitor = startMonitor(events, { cgroupIds: [cgroupId] });
  });

  after(async () => {
    monitor?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // The cgroup empties as its last process is reaped.
    for (let i = 0; cgroup && i < 50; i++) {
      try {
        rmdirSync(cgroup);
        break;
      } catch {
        await sleep(50);
      }
    }
  });

  test('only processes in the listed cgroup are reported; the others are counted as filtered', async () => {
    const file = join(dir, 'cg.txt');
    writeFileSync(file, '');
    const before = filtered(monitor, 'filteredOpen');
    const outsider = await run('/bin/cat', [file]);
    const insider = await sh(`echo $$ > ${cgroup}/cgroup.procs && exec /bin/cat ${file}`);
    assert.equal(insider.code, 0);
    const e = await eventually('open from the cgroup', () =>
      find<OpenEvent>(events, 'open', (x) => x.pid === insider.pid && x.path === file),
    );
    assert.equal(e.cgroupId, cgroupId);
    assert.equal(
      find<OpenEvent>(events, 'open', (x) => x.pid === outsider.pid),
      undefined,
    );
    assert.ok(
      events.every((x) => x.cgroupId === cgroupId),
      'every reported event comes from the listed cgroup',
    );
    assert.ok(filtered(monitor, 'filteredOpen') >= before + 1, 'the outsider was counted as filtered');
  });
});
