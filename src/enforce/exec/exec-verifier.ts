/**
 * The agent's half of content (sha256) exec rules. The kernel stops an exec
 * of a file it has no verdict for and asks on the verify ring; this hashes
 * the running file (/proc/PID/exe), writes the content slots it matches
 * into exec_verdicts (later execs of the file are decided in the kernel),
 * decides this exec as the kernel would, records the decision like the
 * kernel's policy records, and kills or continues the process.
 *
 * It also keeps a heartbeat in the pinned `verifier` map: the kernel stops
 * processes only while it is fresh, so with no agent (or a stuck one) the
 * content rules are passed over instead of leaving processes stopped. The
 * exec object may be loaded, replaced or unloaded by the CLI while this
 * runs: each heartbeat looks at the pins again.
 */
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { BootClock } from '../../domain/clock.ts';
import {
  decideVerified,
  encodeFileKey,
  keyMatchesStat,
  parseVerifyRequest,
  ruleSetBytes,
  slotsAt,
  type VerifyRequest,
} from '../../domain/enforce/policy/exec-verify.ts';
import { POLICY, POLICY_AUDITED, POLICY_DENIED } from '../../domain/layout/policy-record.ts';
import {
  EXEC_VERIFIER,
  POLICY_MAX_RULES,
  POLICY_META,
  POLICY_RULE,
  RULE_AUDIT,
  RULE_DENY,
} from '../../domain/layout/policy-rules.ts';
import { forEachRecord, type NativeBridge, type RawMap, RingBuffer } from '../../ebpf/index.ts';
import type { BpfEvent } from '../../families/events.ts';
import { decodePolicyRecord } from '../../families/policy/decode.ts';
import { PinnedPolicyObject } from '../policy/pinned-object.ts';
import { execObjectSpec } from './exec-policy.ts';
import { shaKey } from './exec-tables.ts';
import { MAX_HASH_BYTES, sha256OfHandle } from './sha256-file.ts';

export interface ExecVerifierOptions {
  readonly bridge: NativeBridge;
  readonly pinRoot: string;
  readonly clock: BootClock;
  /** Where decision records go (the store), decoded... */
  readonly sink: (events: BpfEvent[]) => void;
  /**
   * ...or, for a store that decodes (the worker), as a ring batch of one
   * record under the policy monitor's name, as the policy monitor hands them.
   */
  readonly raw?: ((monitor: string, bytes: Uint8Array, count: number, priority: boolean) => void) | undefined;
  readonly log: (line: string) => void;
  /** Heartbeat (and pin re-check) period. */
  readonly heartbeatMs?: number;
  /** The kernel treats a heartbeat older than this as no agent. */
  readonly staleMs?: number;
  readonly maxHashBytes?: number;
  /** Files hashed at once. */
  readonly concurrency?: number;
  /** /proc, for tests. */
  readonly procRoot?: string;
}

export interface ExecVerifierStats {
  readonly attached: boolean;
  readonly requests: number;
  readonly killed: number;
  readonly audited: number;
  readonly continued: number;
  readonly errors: number;
}

interface Attached {
  readonly verify: RawMap;
  readonly ring: RingBuffer;
}

/** /proc/PID/stat counts the start in clock ticks (USER_HZ, 100 on Linux). */
const NS_PER_TICK = 10_000_000n;

export class ExecVerifier {
  readonly #o: Required<Omit<ExecVerifierOptions, 'procRoot' | 'raw'>> &
    Pick<ExecVerifierOptions, 'raw'> & { procRoot: string };
  readonly #pinned: PinnedPolicyObject;
  #attached: Attached | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  readonly #queue: VerifyRequest[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #lastAttachError = '';
  #stats = { requests: 0, killed: 0, audited: 0, continued: 0, errors: 0 };

  constructor(o: ExecVerifierOptions) {
    this.#o = {
      heartbeatMs: 1000,
      staleMs: 3000,
      maxHashBytes: MAX_HASH_BYTES,
      concurrency: 4,
      procRoot: '/proc',
      ...o,
    };
    this.#pinned = new PinnedPolicyObject(o.bridge, o.pinRoot, execObjectSpec());
  }

  start(): void {
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), this.#o.heartbeatMs);
    this.#timer.unref();
  }

  stats(): ExecVerifierStats {
    return { attached: this.#attached !== undefined, ...this.#stats };
  }

  /** Stops new stops first (heartbeat cleared), then answers every request already made. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    try {
      if (this.#attached) {
        this.#writeHeartbeat(0n);
        this.#attached.ring.consume();
      }
    } catch (err) {
      this.#o.log(`exec verifier: at stop: ${(err as Error).message}`);
    }
    while (this.#queue.length || this.#inFlight.size) {
      this.#pump();
      await Promise.allSettled([...this.#inFlight]);
    }
    this.#detach();
    this.#pinned.close();
  }

  #tick(): void {
    if (this.#stopping) return;
    try {
      this.#ensureAttached();
      if (!this.#attached) return;
      this.#writeHeartbeat(process.hrtime.bigint());
      // Requests whose wake-up was missed (or made before we attached) are read here.
      this.#attached.ring.consume();
      this.#lastAttachError = '';
    } catch (err) {
      const m = (err as Error).message;
      if (m !== this.#lastAttachError) this.#o.log(`exec verifier: ${m}`);
      this.#lastAttachError = m;
      this.#detach();
    }
  }

  #ensureAttached(): void {
    if (!this.#pinned.loaded) {
      if (this.#attached) this.#o.log('exec verifier: the exec policy was unloaded');
      this.#detach();
      return;
    }
    const verify = this.#pinned.map('verify'); // reopened when the pins now hold other maps
    if (this.#attached?.verify === verify) return;
    this.#detach();
    const ring = RingBuffer.open(this.#o.bridge, verify, (batch) => {
      forEachRecord(batch, (v, off, size) => {
        const r = parseVerifyRequest(batch.bytes, v, off, size);
        if ('error' in r) {
          this.#stats.errors++;
          this.#o.log(`exec verifier: ${r.error}`);
          return;
        }
        this.#stats.requests++;
        this.#queue.push(r);
      });
      this.#pump();
    });
    this.#attached = { verify, ring };
    this.#o.log(`exec verifier: answering content-rule checks of ${this.#pinned.dir}`);
  }

  #detach(): void {
    this.#attached?.ring.close();
    this.#attached = undefined;
  }

  #writeHeartbeat(ns: bigint): void {
    const b = new Uint8Array(EXEC_VERIFIER.size);
    const v = new DataView(b.buffer);
    const F = EXEC_VERIFIER.fields;
    v.setBigUint64(F.heartbeat_ns.offset, ns, true);
    v.setBigUint64(F.stale_ns.offset, BigInt(this.#o.staleMs) * 1_000_000n, true);
    v.setUint32(F.tgid.offset, process.pid, true);
    this.#pinned.map('verifier').update(new Uint8Array(4), b);
  }

  #pump(): void {
    while (this.#inFlight.size < this.#o.concurrency) {
      const r = this.#queue.shift();
      if (!r) return;
      const p: Promise<void> = this.#handle(r).finally(() => {
        this.#inFlight.delete(p);
        this.#pump();
      });
      this.#inFlight.add(p);
    }
  }

  /** The pid still names the process that was stopped (not a reused pid). */
  #sameProcess(r: VerifyRequest): boolean {
    try {
      const stat = readFileSync(`${this.#o.procRoot}/${r.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Field 22 of stat(5), the 20th after the comm.
      return BigInt(fields[19] ?? -1) === r.startBoottimeNs / NS_PER_TICK;
    } catch {
      return false; // gone
    }
  }

  #signal(pid: number, sig: 'SIGKILL' | 'SIGCONT'): void {
    try {
      process.kill(pid, sig);
    } catch {
      // Gone meanwhile.
    }
  }

  async #handle(r: VerifyRequest): Promise<void> {
    if (!this.#sameProcess(r)) return; // exited (or killed) while waiting: nothing to continue
    let signalled = false;
    try {
      const content = await this.#contentSlots(r);
      if (content === undefined) return;
      const slot = decideVerified(r, content);
      const rule = slot === undefined ? undefined : this.#rule(r.buf, slot);
      if (!this.#sameRules(r)) {
        this.#o.log(`exec verifier: rules changed while ${r.path} (pid ${r.pid}) was checked; allowed`);
        return;
      }
      this.#pinned.map('verdicts').update(encodeFileKey(r.key), ruleSetBytes(content));
      if (!rule) return;
      if (rule.action === RULE_DENY && this.#sameProcess(r)) {
        this.#signal(r.pid, 'SIGKILL');
        signalled = true;
        this.#stats.killed++;
      } else if (rule.action === RULE_AUDIT) {
        this.#stats.audited++;
      }
      this.#record(r, rule.id, rule.action === RULE_DENY ? POLICY_DENIED : POLICY_AUDITED);
    } catch (err) {
      this.#stats.errors++;
      this.#o.log(`exec verifier: ${r.path} (pid ${r.pid}): ${(err as Error).message}; allowed`);
    } finally {
      // Never left stopped: every way out that did not kill continues it.
      if (!signalled && this.#sameProcess(r)) {
        this.#signal(r.pid, 'SIGCONT');
        this.#stats.continued++;
      }
    }
  }

  /** The content slots the running file matches (empty: none, or too large); undefined: not the file the kernel saw. */
  async #contentSlots(r: VerifyRequest): Promise<Set<number> | undefined> {
    const fh = await open(`${this.#o.procRoot}/${r.pid}/exe`, 'r');
    try {
      const st = await fh.stat({ bigint: true });
      if (!keyMatchesStat(r.key, st)) {
        this.#o.log(
          `exec verifier: pid ${r.pid} runs another file than the one stopped (${r.path}); allowed`,
        );
        return undefined;
      }
      const h = await sha256OfHandle(fh, st.size, this.#o.maxHashBytes);
      if ('tooLarge' in h) {
        this.#o.log(
          `exec verifier: ${r.path} is ${h.tooLarge} bytes, over the ${this.#o.maxHashBytes} hashed: no content rule matches it`,
        );
        return new Set();
      }
      const slots = this.#pinned.map('sha256').lookup(shaKey(r.buf, h.sha256));
      return new Set(slots ? slotsAt(new DataView(slots.buffer, slots.byteOffset), 0) : []);
    } finally {
      await fh.close();
    }
  }

  #rule(buf: number, slot: number): { id: number; action: number } | undefined {
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, buf * POLICY_MAX_RULES + slot, true);
    const v = this.#pinned.map('rules').lookup(key);
    if (!v) return undefined;
    const d = new DataView(v.buffer, v.byteOffset);
    return {
      id: d.getUint32(POLICY_RULE.fields.id.offset, true),
      action: v[POLICY_RULE.fields.action.offset]!,
    };
  }

  /** The request's buffer still holds the rule set it was made under (its slots mean what they meant). */
  #sameRules(r: VerifyRequest): boolean {
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, r.buf, true);
    const m = this.#pinned.map('meta').lookup(key);
    if (!m) return false;
    return (
      new DataView(m.buffer, m.byteOffset).getBigUint64(POLICY_META.fields.fingerprint.offset, true) ===
      r.key.fingerprint
    );
  }

  /** The decision as a policy record, as the kernel writes them (not rate-limited: once per new file). */
  #record(r: VerifyRequest, ruleId: number, action: number): void {
    const b = new Uint8Array(POLICY.size);
    b.set(r.event);
    const v = new DataView(b.buffer);
    v.setUint32(POLICY.fields.rule_id.offset, ruleId, true);
    b[POLICY.fields.action.offset] = action;
    if (this.#o.raw) {
      // Framed as in a ring batch: u32 size, u32 reserved, the record, padding to 8.
      const framed = new Uint8Array(8 + ((b.length + 7) & ~7));
      new DataView(framed.buffer).setUint32(0, b.length, true);
      framed.set(b, 8);
      this.#o.raw('policy', framed, 1, false);
      return;
    }
    const e = decodePolicyRecord(b, v, 0, b.length, this.#o.clock);
    if ('error' in e) {
      this.#o.log(`exec verifier: ${e.error}`);
      return;
    }
    this.#o.sink([e]);
  }
}
