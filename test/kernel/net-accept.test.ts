/**
 * tcp_accept through the real agent: a server child that accepts is named in
 * the stored row (pid, comm), the port filters find it by its local end; a
 * connection its listener never accepts is still stored once, with pid 0.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { BIN, cli, type RunningAgent, startAgent, testEnv } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually } from '../support/spawn.ts';

interface AcceptRow {
  id: number;
  type: string;
  pid: number;
  tid: number;
  uid: number;
  comm: string;
  ownerKnown: boolean;
  direction: string;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
}

/**
 * A perl listener on 127.0.0.1 (a free port; it prints it) that answers and
 * closes every connection (`accept`), never calls accept() (`hold`), or
 * accepts one connection when given a line on stdin, then connects to port
 * 1 and prints "accepted" (`late`). Closing its stdin closes the listener and ends it.
 */
function listener(mode: 'accept' | 'hold' | 'late'): { child: ChildProcess; port: Promise<number> } {
  const serve = {
    accept: 'while (accept(my $c, $s)) { syswrite($c, "ok"); close($c); }',
    // Connections complete the handshake and wait in the backlog.
    hold: '<STDIN>;',
    // After the accept, a connect to port 1: a later record on the same ring.
    late: `<STDIN>; accept(my $c, $s) or die "accept: $!";
      socket(my $d, PF_INET, SOCK_STREAM, 0); connect($d, pack_sockaddr_in(1, inet_aton("127.0.0.1")));
      print "accepted\\n"; <STDIN>;`,
  }[mode];
  const code = `
    socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
    bind($s, pack_sockaddr_in(0, inet_aton("127.0.0.1"))) or die "bind: $!";
    listen($s, 8) or die "listen: $!";
    my ($port) = unpack_sockaddr_in(getsockname($s));
    $| = 1; print "$port\\n";
    $SIG{ALRM} = sub { exit 0 }; alarm 30; # never outlives a failed test for long
    ${serve}
    close($s);`;
  const child = spawn('perl', ['-MSocket=:all', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (c) => reject(new Error(`listener exited (${c}) before printing its port`)));
  });
  return { child, port };
}

function ended(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });
}

/**
 * Connects from this process; the client's local port once it read to the
 * end (`read`), or right away after a FIN (`fin`) or a reset (`reset`).
 */
async function connectTo(port: number, end: 'read' | 'fin' | 'reset'): Promise<number> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => {});
  await new Promise<void>((resolve) => s.on('connect', resolve));
  const local = s.localPort ?? -1;
  if (end === 'fin') s.destroy();
  else if (end === 'reset') s.resetAndDestroy();
  else {
    s.resume();
    await new Promise<void>((resolve) => s.on('close', () => resolve()));
  }
  return local;
}

/** Resolves once the child printed `line`. */
function printed(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout?.on('data', (d: string) => {
      out += d;
      if (out.split('\n').includes(line)) resolve();
    });
  });
}

function rows(db: string, sql: string, ...params: number[]): Record<string, unknown>[] {
  const conn = new DatabaseSync(db, { readOnly: true });
  try {
    return conn
      .prepare(sql)
      .all(...params)
      .map((r) => ({ ...r }));
  } finally {
    conn.close();
  }
}

function jsonLines(out: string): AcceptRow[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AcceptRow);
}

describe('tcp_accept through the agent', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-accept-'));
  const db = join(dir, 'accept.db');
  const socket = join(dir, 'api.sock');
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `database: ${db}\nruntimeDir: ${dir}/run\napi:\n  socket: ${socket}\nmonitors:\n  file:\n    enabled: false\n  dns:\n    enabled: false\n  drop:\n    enabled: false\n`,
  );
  let agent: RunningAgent | undefined;
  before(async () => {
    agent = await startAgent(['--config', config]);
  });
  after(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const events = (args: string[]): AcceptRow[] => {
    const r = cli(['events', '--db', db, '--json', ...args]);
    assert.equal(r.status, 0, r.stderr);
    return jsonLines(r.stdout);
  };

  test('an accepted connection is stored with the accepting process; --port and --local-port find it', async () => {
    const srv = listener('accept');
    try {
      const port = await srv.port;
      const serverPid = srv.child.pid ?? -1;
      const comm = readFileSync(`/proc/${serverPid}/comm`, 'utf8').trimEnd();
      const cport = await connectTo(port, 'read');

      const row = await eventually(
        'tcp_accept row',
        () => events(['--type', 'tcp_accept', '--port', String(port)]).find((e) => e.remotePort === cport),
        5000,
      );
      assert.equal(row.pid, serverPid, 'the server child that called accept()');
      assert.equal(row.tid, serverPid);
      assert.equal(comm, 'perl');
      assert.equal(row.comm, comm);
      assert.equal(row.uid, process.getuid?.());
      assert.equal(row.ownerKnown, true);
      assert.deepEqual(
        [row.direction, row.localAddr, row.localPort, row.remoteAddr],
        ['inbound', '127.0.0.1', port, '127.0.0.1'],
      );
      const stored = rows(
        db,
        "SELECT pid, comm FROM net_events WHERE type = 'tcp_accept' AND local_port = ?",
        port,
      );
      assert.deepEqual(stored, [{ pid: serverPid, comm }], 'one row, with the pid, not 0');

      const local = events(['--type', 'tcp_accept', '--local-port', String(port)]);
      assert.deepEqual(
        local.map((e) => e.id),
        [row.id],
      );
      assert.deepEqual(events(['--type', 'tcp_accept', '--remote-port', String(port)]), []);
      // The client's end of the same connection: its remote port is the server's.
      const connects = events(['--type', 'tcp_connect', '--remote-port', String(port)]);
      assert.deepEqual(
        connects.map((e) => [e.pid, e.localPort]),
        [[process.pid, cport]],
      );
      assert.deepEqual(events(['--type', 'tcp_connect', '--local-port', String(port)]), []);

      // The same filters through the agent's REST API (the CLI without --db).
      const api = spawnSync(BIN, ['events', '--json', '--type', 'tcp_accept', '--local-port', String(port)], {
        encoding: 'utf8',
        env: { ...testEnv(), BPFWARDEN_API_SOCKET: socket },
      });
      assert.equal(api.status, 0, api.stderr);
      assert.deepEqual(
        jsonLines(api.stdout).map((e) => [e.id, e.pid]),
        [[row.id, serverPid]],
      );
    } finally {
      srv.child.stdin?.end();
      srv.child.kill();
      await ended(srv.child);
    }
  });

  test('a connection never accepted is stored once, with pid 0, when its listener closes', async () => {
    const srv = listener('hold');
    const port = await srv.port;
    // The kernel completes the handshake; nobody calls accept(). The client hangs up.
    const cport = await connectTo(port, 'fin');
    srv.child.stdin?.end(); // the listener closes, and the waiting connection with it
    await ended(srv.child);

    // Its close is written in the same kernel call as the fallback accept, after it.
    await eventually(
      'tcp_close row of the server side',
      () => (events(['--type', 'tcp_close', '--local-port', String(port)]).length > 0 ? true : undefined),
      5000,
    );
    const accepts = events(['--type', 'tcp_accept', '--port', String(port)]);
    assert.equal(
      accepts.length,
      1,
      JSON.stringify(
        rows(db, 'SELECT * FROM net_events WHERE local_port = ? OR remote_port = ?', port, port),
      ),
    );
    const [a] = accepts;
    assert.deepEqual(
      [a?.pid, a?.comm, a?.ownerKnown, a?.direction, a?.localPort, a?.remotePort],
      [0, '', false, 'inbound', port, cport],
    );
  });
  test('a connection reset in the backlog and accepted afterwards is still stored once', async () => {
    const srv = listener('late');
    try {
      const port = await srv.port;
      const cport = await connectTo(port, 'reset');
      // The reset closes the waiting connection: reported then, as never accepted.
      await eventually(
        'tcp_close row of the server side',
        () => (events(['--type', 'tcp_close', '--local-port', String(port)]).length > 0 ? true : undefined),
        5000,
      );
      // accept() still hands the closed connection out; it is not reported again.
      const accepted = printed(srv.child, 'accepted');
      srv.child.stdin?.write('go\n');
      await accepted;
      // Anything the accept had given is on the ring before that connect.
      const later = await eventually(
        'connect row of the listener',
        () => events(['--type', 'connect', '--pid', String(srv.child.pid)])[0],
        5000,
      );
      // By the client's end: the closed socket accept() returned no longer holds its local port.
      const accepts = events(['--type', 'tcp_accept', '--remote-port', String(cport)]);
      assert.deepEqual(
        accepts.map((e) => [e.pid, e.localPort]),
        [[0, port]],
      );
      assert.deepEqual(events(['--type', 'tcp_accept', '--pid', String(srv.child.pid)]), []);
      assert.equal(later.remotePort, 1);
    } finally {
      srv.child.kill();
      await ended(srv.child);
    }
  });
});
