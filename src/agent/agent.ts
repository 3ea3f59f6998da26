/**
 * The agent's lifecycle: preflight, mounts, store, monitors, live summary,
 * and a shutdown that loses nothing (detach, drain rings, flush, close).
 */
import { firewallApi } from '../api/http/adapters/firewall.ts';
import { policyApi } from '../api/http/adapters/policy.ts';
import { programsApi } from '../api/http/adapters/programs.ts';
import { AgentError } from '../domain/agent-error.ts';
import { BootClock } from '../domain/clock.ts';
import type {
  MonitorSnapshot,
  MonitorStatus,
  StatusSnapshot,
  StoreCounters,
} from '../domain/contracts/status.ts';
import { Kernel, nativeBridge } from '../ebpf/index.ts';
import { ExecVerifier } from '../enforce/exec/exec-verifier.ts';
import type { DecoderSpec } from '../families/decoder.ts';
import type { Monitor } from '../families/monitor.ts';
import { enforcePinRoot } from '../host/enforce-pins.ts';
import { makeDirs } from '../host/make-dirs.ts';
import { ensureMounts } from '../host/mounts.ts';
import { reconcileAtStart } from '../manager/startup.ts';
import { openDatabase } from '../store/database.ts';
import type { Config } from './config.ts';
import { DetectionEngine } from './detection/engine.ts';
import { firstBlocker, hostChecks, kernelChecks } from './doctor.ts';
import { type Enforcement, startEnforcement } from './enforcement.ts';
import type { StoreBackend } from './ingest/backend.ts';
import { InProcessStore } from './ingest/in-process.ts';
import { WorkerStore } from './ingest/worker.ts';
import { type AgentInterfaces, startInterfaces } from './interfaces.ts';
import { createMonitors } from './monitor-set.ts';
import { applyReload, type ReloadResult } from './reload.ts';
import { writeStatus } from './status-file.ts';
import { statusLine, type Totals } from './status-line.ts';

export interface AgentIo {
  /** Operator messages (one line each). */
  readonly log: (line: string) => void;
  /** Live summary target when interactive; undefined disables it. */
  readonly tty?: NodeJS.WriteStream;
}

const CLOCK_REFRESH_MS = 60_000;

export class Agent {
  #config: Config;
  /** Reloads run one at a time, and stop waits for the one under way. */
  #reloading: Promise<unknown> = Promise.resolve();
  readonly #io: AgentIo;
  #store: StoreBackend | undefined;
  #detection: DetectionEngine | undefined;
  #monitors: Monitor[] = [];
  #failed: MonitorSnapshot[] = [];
  #timers: NodeJS.Timeout[] = [];
  #stopping: Promise<Totals> | undefined;
  #interfaces: AgentInterfaces | undefined;
  #enforcement: Enforcement | undefined;
  #verifier: ExecVerifier | undefined;
  readonly #startedAtMs = Date.now();
  #rates = new Map<string, { events: number; at: number; perSecond: number }>();

  constructor(config: Config, io: AgentIo) {
    this.#config = config;
    this.#io = io;
  }

  /** Checks the host, opens the store and starts every enabled monitor. */
  async start(): Promise<void> {
    const blocker = firstBlocker(hostChecks());
    if (blocker)
      throw new AgentError('AGENT_PREFLIGHT', `${blocker.name}: ${blocker.detail} — ${blocker.fix}`);
    const bridge = nativeBridge();
    const kernel = new Kernel(bridge);
    for (const m of ensureMounts(kernel)) {
      if (m.note) this.#io.log(`${m.fs} at ${m.target}: ${m.note}`);
    }
    const kBlocker = firstBlocker(kernelChecks(kernel));
    if (kBlocker)
      throw new AgentError('AGENT_PREFLIGHT', `${kBlocker.name}: ${kBlocker.detail} — ${kBlocker.fix}`);
    makeDirs(this.#config.runtimeDir, 0o700);
    // The database first: one that cannot be opened, or is damaged, stops the
    // start here with one message, before every component says it in turn.
    try {
      openDatabase(this.#config.database).close();
    } catch (err) {
      throw new AgentError('AGENT_DATABASE', (err as Error).message);
    }
    reconcileAtStart(bridge, this.#config, this.#io.log);
    // Enforcement first: rules are in force before capture starts.
    this.#enforcement = startEnforcement(bridge, this.#config, this.#io.log);

    const clock = new BootClock(kernel.bootOffsetNs());
    const log = this.#io.log;
    const created = await createMonitors(
      this.#config,
      {
        bridge,
        kernel,
        clock,
        onDecodeError: (name, msg) => log(`monitor ${name}: undecodable record: ${msg}`),
      },
      log,
    );
    this.#failed = created.failed;

    const decoders = created.monitors.flatMap((m): [string, DecoderSpec][] =>
      m.decoder ? [[m.name, m.decoder]] : [],
    );
    this.#store = this.#config.store.worker
      ? await WorkerStore.start(this.#config, kernel.bootOffsetNs(), decoders, log)
      : new InProcessStore(this.#config, decoders, clock, log);
    const store = this.#store;
    this.#timers.push(
      setInterval(() => {
        const offset = kernel.bootOffsetNs();
        clock.update(offset);
        store.updateClock(offset);
      }, CLOCK_REFRESH_MS),
    );

    // Content (sha256) exec rules: answers the kernel's checks, decisions into the store.
    this.#verifier = new ExecVerifier({
      bridge,
      pinRoot: enforcePinRoot(this.#config.enforcement.pinRoot),
      clock,
      sink: (events) => store.sink(events),
      // The worker decodes with the policy monitor's decoder: without that monitor, decisions are not stored (as the kernel's).
      raw: decoders.some(([name]) => name === 'policy') ? store.raw : undefined,
      log,
    });
    this.#verifier.start();

    for (const m of created.monitors) {
      try {
        m.start(store.sink, store.raw);
        this.#monitors.push(m);
      } catch (err) {
        // One monitor failing must not stop the others; status names the failure.
        log(`monitor ${m.name} failed: ${(err as Error).message}`);
        this.#failed.push({ ...m.status(), eventsPerSecond: 0 });
      }
    }
    if (this.#monitors.length === 0) {
      await this.stop();
      throw new AgentError(
        'AGENT_NO_MONITORS',
        'no monitor could start (see the messages above); nothing to capture',
      );
    }
    if (this.#config.rules.enabled) {
      this.#detection = new DetectionEngine({
        dbPath: this.#config.database,
        rules: this.#config.rules,
        alerts: this.#config.alerts,
        log,
      });
      this.#detection.start();
    }
    this.#startStatusLine();
    this.#startStatusFile();
    const dbPath = this.#config.database;
    const pinRoot = enforcePinRoot(this.#config.enforcement.pinRoot);
    this.#interfaces = await startInterfaces(this, this.#config, {
      programs: programsApi(bridge, { dbPath, manager: this.#config.manager }),
      policy: policyApi(bridge, {
        dbPath,
        pinRoot,
        eventsPerSecondPerRule: this.#config.enforcement.policy.eventsPerSecondPerRule,
      }),
      firewall: firewallApi(bridge, { dbPath, pinRoot }),
      log,
    });
    const at = this.#interfaces.addresses;
    log(
      `agent ready: monitors ${this.#monitors.map((m) => m.name).join(', ')}; database ${this.#config.database}${at.length ? `; API ${at.join(' and ')}` : ''}`,
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

  /** The status the status file and the API show. */
  snapshot(stoppedAtMs?: number): StatusSnapshot {
    const c = this.#store?.counters();
    return {
      pid: process.pid,
      startedAtMs: this.#startedAtMs,
      updatedAtMs: Date.now(),
      ...(stoppedAtMs ? { stoppedAtMs } : {}),
      database: this.#config.database,
      monitors: [...this.#snapshots(), ...this.#failed],
      store: {
        stored: c?.stored ?? 0,
        queued: c?.queued ?? 0,
        queueDropped: c?.queueDropped ?? 0,
        unwritten: c?.unwritten ?? 0,
        writeFailures: c?.writeFailures ?? 0,
        ...(c ? { latencyMs: c.latencyMs } : {}),
        ...(c?.lastError ? { lastError: c.lastError } : {}),
      },
      retention: c?.retention ?? { deletedByAge: 0, deletedBySize: 0, failures: 0 },
    };
  }

  #writeStatus(stoppedAtMs?: number): void {
    try {
      writeStatus(this.#config.runtimeDir, this.snapshot(stoppedAtMs));
    } catch (err) {
      this.#io.log(`cannot write status file: ${(err as Error).message}`);
    }
  }

  #startStatusFile(): void {
    this.#writeStatus();
    this.#timers.push(setInterval(() => this.#writeStatus(), 1000));
  }

  totals(): Totals {
    const c = this.#store?.counters();
    const mons = this.monitors();
    return {
      events: mons.reduce((a, m) => a + m.events, 0),
      stored: c?.stored ?? 0,
      kernelDrops: mons.reduce((a, m) => a + m.kernelDrops, 0),
      missedRuns: mons.reduce((a, m) => a + (m.counters?.missedRuns ?? 0), 0),
      queueDropped: c?.queueDropped ?? 0,
      unwritten: c?.unwritten ?? 0,
      writeFailures: c?.writeFailures ?? 0,
    };
  }

  /** Monitor status; where the store decodes, its event and decode-error counts are the truth. */
  monitors(): MonitorStatus[] {
    const decoded = this.#store?.counters().monitors;
    return this.#monitors.map((m) => {
      const s = m.status();
      const d = decoded?.get(m.name);
      return d ? { ...s, events: d.events, decodeErrors: d.decodeErrors } : s;
    });
  }

  /** Detach, drain, flush, close. Idempotent. */
  stop(): Promise<Totals> {
    if (!this.#stopping) this.#stopping = this.#stop();
    return this.#stopping;
  }

  /** The store's full counters (per-type rows, batch and commit distributions), for metrics. */
  storeCounters(): StoreCounters | undefined {
    return this.#store?.counters();
  }

  /** The running rule engine (a reload replaces it), for rule run times. */
  detection(): DetectionEngine | undefined {
    return this.#detection;
  }

  /** Readiness for /readyz: running monitors and not stopping. */
  ready(): { ready: boolean; detail?: string } {
    if (this.#stopping) return { ready: false, detail: 'stopping' };
    if (this.#monitors.length === 0) return { ready: false, detail: 'no monitor running' };
    return { ready: true };
  }

  /**
   * Applies a new configuration while running: detection rules, alert
   * routes and sinks, monitor filters held in BPF maps. Other changed keys
   * are logged as needing a restart and keep their running values (reload.ts).
   */
  reload(next: Config): Promise<ReloadResult> {
    const run = this.#reloading.then(async () => {
      if (this.#stopping)
        throw new AgentError('AGENT_STOPPING', 'the agent is stopping; nothing was reloaded');
      const r = await applyReload(this.#config, next, {
        monitors: this.#monitors,
        detection: this.#detection,
        log: this.#io.log,
      });
      this.#config = r.config;
      this.#detection = r.detection;
      return r;
    });
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  async #stop(): Promise<Totals> {
    await this.#reloading;
    await this.#interfaces?.close();
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
    // Processes it stopped are answered before the store goes (and before an unload on exit).
    await this.#verifier?.stop();
    // After the policy monitor has drained the decision rings.
    this.#enforcement?.close();
    await this.#detection?.stop();
    await this.#store?.stop();
    this.#writeStatus(Date.now());
    return this.totals();
  }
}
