/**
 * The agent's lifecycle: preflight, mounts, store, monitors, live summary,
 * and a shutdown that loses nothing (detach, drain rings, flush, close).
 */
import { mkdirSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { BootClock } from '../domain/clock.ts';
import { Kernel, type NativeBridge, nativeBridge } from '../ebpf/index.ts';
import { openDatabase } from '../store/database.ts';
import { EventWriter } from '../store/event-writer.ts';
import type { Retention } from '../store/retention.ts';
import type { Config } from './config.ts';
import { firstBlocker, hostChecks, kernelChecks } from './doctor.ts';
import { AgentError } from './errors.ts';
import type { Monitor, MonitorStatus } from './monitors/monitor.ts';
import { MONITOR_DEFINITIONS } from './monitors/registry.ts';
import { ensureMounts } from './mounts.ts';
import { Pipeline } from './pipeline.ts';
import { scheduleRetention } from './retention-task.ts';
import { type MonitorSnapshot, writeStatus } from './status-file.ts';
import { statusLine, type Totals } from './status-line.ts';

export interface AgentIo {
  /** Operator messages (one line each). */
  readonly log: (line: string) => void;
  /** Live summary target when interactive; undefined disables it. */
  readonly tty?: NodeJS.WriteStream;
}

const CLOCK_REFRESH_MS = 60_000;

function latencyMs(w: EventWriter): { p50: number; p99: number; max: number; count: number } {
  const h = w.latencyUs;
  const ms = (us: number): number => Math.round(us / 100) / 10;
  return { p50: ms(h.quantile(0.5)), p99: ms(h.quantile(0.99)), max: ms(h.max), count: h.count };
}

export class Agent {
  readonly #config: Config;
  readonly #io: AgentIo;
  #bridge: NativeBridge | undefined;
  #db: DatabaseSync | undefined;
  #writer: EventWriter | undefined;
  #pipeline: Pipeline | undefined;
  #monitors: Monitor[] = [];
  #timers: NodeJS.Timeout[] = [];
  #retention: Retention | undefined;
  #failed: MonitorSnapshot[] = [];
  #writeStatus: ((stoppedAtMs?: number) => void) | undefined;
  #stopped = false;
  readonly #startedAtMs = Date.now();
  #rates = new Map<string, { events: number; at: number; perSecond: number }>();

  constructor(config: Config, io: AgentIo) {
    this.#config = config;
    this.#io = io;
  }

  /** Checks the host, opens the store and starts every enabled monitor. */
  start(): void {
    const blocker = firstBlocker(hostChecks());
    if (blocker) throw new AgentError('PREFLIGHT', `${blocker.name}: ${blocker.detail} — ${blocker.fix}`);
    this.#bridge = nativeBridge();
    const kernel = new Kernel(this.#bridge);
    for (const m of ensureMounts(kernel)) {
      if (m.note) this.#io.log(`${m.fs} at ${m.target}: ${m.note}`);
    }
    const kBlocker = firstBlocker(kernelChecks(kernel));
    if (kBlocker) throw new AgentError('PREFLIGHT', `${kBlocker.name}: ${kBlocker.detail} — ${kBlocker.fix}`);

    mkdirSync(this.#config.runtimeDir, { recursive: true, mode: 0o700 });
    this.#db = openDatabase(this.#config.database);
    this.#writer = new EventWriter(this.#db, { maxQueue: this.#config.store.maxQueue });
    this.#pipeline = new Pipeline(this.#writer, {
      flushIntervalMs: this.#config.store.flushIntervalMs,
      onWriteError: (msg) => this.#io.log(`store write failed (will retry): ${msg}`),
    });
    this.#pipeline.start();

    const clock = new BootClock(kernel.bootOffsetNs());
    this.#timers.push(setInterval(() => clock.update(kernel.bootOffsetNs()), CLOCK_REFRESH_MS));

    const ctx = {
      bridge: this.#bridge,
      kernel,
      clock,
      onDecodeError: (name: string, msg: string) =>
        this.#io.log(`monitor ${name}: undecodable record: ${msg}`),
    };
    const candidates: Monitor[] = [];
    const monitorConfig = this.#config.monitors as Record<string, { enabled: boolean } | undefined>;
    for (const def of MONITOR_DEFINITIONS) {
      const cfg = monitorConfig[def.name];
      if (!cfg?.enabled) continue;
      try {
        candidates.push(def.create(cfg, ctx));
      } catch (err) {
        const error = (err as Error).message;
        this.#io.log(`monitor ${def.name} cannot be created: ${error}`);
        this.#failed.push({
          name: def.name,
          state: 'failed',
          error,
          events: 0,
          kernelDrops: 0,
          decodeErrors: 0,
          attached: [],
          eventsPerSecond: 0,
        });
      }
    }
    for (const m of candidates) {
      try {
        m.start(this.#pipeline.sink);
        this.#monitors.push(m);
      } catch (err) {
        // One monitor failing must not stop the others; status names the failure.
        this.#io.log(`monitor ${m.name} failed: ${(err as Error).message}`);
        this.#failed.push({ ...m.status(), eventsPerSecond: 0 });
      }
    }
    if (this.#monitors.length === 0) {
      this.stop();
      throw new AgentError(
        'NO_MONITORS',
        'no monitor could start (see the messages above); nothing to capture',
      );
    }
    this.#startStatusLine();
    this.#startStatusFile();
    this.#startRetention();
    this.#io.log(
      `agent ready: monitors ${this.#monitors.map((m) => m.name).join(', ')}; database ${this.#config.database}`,
    );
  }

  #startStatusLine(): void {
    const tty = this.#io.tty;
    if (!tty) return;
    let prev = this.totals();
    let prevAt = Date.now();
    this.#timers.push(
      setInterval(() => {
        const now = this.totals();
        const at = Date.now();
        tty.write(`\r\x1b[K${statusLine(now, prev, (at - prevAt) / 1000)}`);
        prev = now;
        prevAt = at;
      }, this.#config.statusIntervalMs),
    );
  }

  /** Events per second per monitor, from the change since the last call. */
  #snapshots(): MonitorSnapshot[] {
    const now = Date.now();
    return this.monitors().map((m) => {
      const prev = this.#rates.get(m.name);
      let perSecond = prev?.perSecond ?? 0;
      if (!prev || now - prev.at >= 900) {
        perSecond = prev ? Math.round(((m.events - prev.events) * 1000) / (now - prev.at)) : 0;
        this.#rates.set(m.name, { events: m.events, at: now, perSecond });
      }
      return { ...m, eventsPerSecond: perSecond };
    });
  }

  #startStatusFile(): void {
    this.#writeStatus = (stoppedAtMs?: number): void => {
      const s = this.#writer?.stats;
      try {
        writeStatus(this.#config.runtimeDir, {
          pid: process.pid,
          startedAtMs: this.#startedAtMs,
          updatedAtMs: Date.now(),
          ...(stoppedAtMs ? { stoppedAtMs } : {}),
          database: this.#config.database,
          monitors: [...this.#snapshots(), ...this.#failed],
          store: {
            stored: s?.rowsWritten ?? 0,
            queued: s?.queued ?? 0,
            queueDropped: s?.queueDropped ?? 0,
            writeFailures: s?.writeFailures ?? 0,
            ...(this.#writer ? { latencyMs: latencyMs(this.#writer) } : {}),
            ...(s?.lastError ? { lastError: s.lastError } : {}),
          },
          retention: {
            deletedByAge: this.#retention?.stats.deletedByAge ?? 0,
            deletedBySize: this.#retention?.stats.deletedBySize ?? 0,
            failures: this.#retention?.stats.failures ?? 0,
          },
        });
      } catch (err) {
        this.#io.log(`cannot write status file: ${(err as Error).message}`);
      }
    };
    const write = this.#writeStatus;
    write();
    this.#timers.push(setInterval(() => write(), 1000));
  }

  #startRetention(): void {
    if (!this.#db) return;
    const task = scheduleRetention(this.#db, this.#config.retention, () => this.#stopped);
    if (!task) return;
    this.#retention = task.retention;
    this.#timers.push(task.timer);
  }

  totals(): Totals {
    const s = this.#writer?.stats;
    const mons = this.monitors();
    return {
      events: mons.reduce((a, m) => a + m.events, 0),
      stored: s?.rowsWritten ?? 0,
      kernelDrops: mons.reduce((a, m) => a + m.kernelDrops, 0),
      queueDropped: s?.queueDropped ?? 0,
      writeFailures: s?.writeFailures ?? 0,
    };
  }

  monitors(): MonitorStatus[] {
    return this.#monitors.map((m) => m.status());
  }

  /** Detach, drain, flush, close. Idempotent. */
  stop(): Totals {
    if (this.#stopped) return this.totals();
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    if (this.#io.tty) this.#io.tty.write('\r\x1b[K');
    for (const m of this.#monitors) {
      try {
        m.stop();
      } catch (err) {
        this.#io.log(`monitor ${m.name} did not stop cleanly: ${(err as Error).message}`);
      }
    }
    this.#pipeline?.stop();
    this.#writeStatus?.(Date.now());
    const totals = this.totals();
    this.#db?.close();
    this.#db = undefined;
    return totals;
  }
}
