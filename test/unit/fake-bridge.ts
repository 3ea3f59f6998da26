/**
 * An in-memory NativeBridge for unit tests. It follows the native bridge's
 * conventions (native/src/*.c): every call returns a value or a negative
 * errno, failures set lastError(), libbpf messages accumulate until takeLog().
 *
 * Objects are registered up front (addObject) and opened by path. Loading
 * gives every autoloaded program and every map an fd; maps then hold their
 * elements in memory, keyed by the hex of the key bytes, in insertion order
 * (which is the next-key iteration order). Ring buffers take records from
 * pushRecord() and hand them to the consumer's callback on wake() or
 * ringbufConsume(), framed as u32 size | u32 reserved | data | pad to 8, in
 * one ArrayBuffer reused across batches.
 */
import type {
  Handle,
  KernelInfo,
  KernelObjectKind,
  NativeBridge,
  NativeBtfMember,
  NativeMapInfo,
  NativeProgramInfo,
  NativeRingStats,
  NativeTcFilter,
  NativeXdpQuery,
  Result,
  RingCallback,
} from '../../src/ebpf/bridge.ts';
import { isPerCpuMap, MapType, ProgType, UpdateFlags } from '../../src/ebpf/types.ts';

export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EOPNOTSUPP: 95,
  EALREADY: 114,
  ECANCELED: 125,
} as const;

const MESSAGES: Record<number, string> = {
  1: 'Operation not permitted',
  2: 'No such file or directory',
  7: 'Argument list too long',
  9: 'Bad file descriptor',
  11: 'Resource temporarily unavailable',
  12: 'Cannot allocate memory',
  13: 'Permission denied',
  16: 'Device or resource busy',
  17: 'File exists',
  19: 'No such device',
  22: 'Invalid argument',
  95: 'Operation not supported',
  114: 'Operation already in progress',
  125: 'Operation canceled',
};

export function strerror(errno: number): string {
  const n = Math.abs(errno);
  return MESSAGES[n] ?? `Unknown error ${n}`;
}

/** Byte the fake writes into record padding, so readers cannot rely on zeros. */
export const PAD_BYTE = 0xee;

const DEFAULT_BATCH_BYTES = 1 << 20;

export interface FakeProgramSpec {
  readonly name: string;
  readonly section?: string;
  readonly type?: number;
  readonly expectedAttachType?: number;
  readonly insnCount?: number;
  readonly autoload?: boolean;
}

export interface FakeMapSpec {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
}

export interface FakeVar {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** A global data section (.rodata, .data, .bss): becomes an internal array map. */
export interface FakeDatasecSpec {
  readonly section: '.rodata' | '.data' | '.bss';
  readonly size: number;
  readonly vars: readonly FakeVar[];
  readonly initial?: Uint8Array;
}

export interface FakeObjectSpec {
  readonly programs?: readonly FakeProgramSpec[];
  readonly maps?: readonly FakeMapSpec[];
  readonly datasecs?: readonly FakeDatasecSpec[];
  readonly structs?: Readonly<Record<string, { size: number; members: NativeBtfMember[] }>>;
}

export interface LoadFailure {
  /** Positive or negative errno objLoad returns. */
  readonly errno: number;
  /** lastError() text; defaults to "cannot load BPF object: <strerror>". */
  readonly message?: string;
  /** Verifier log placed between libbpf's BEGIN/END PROG LOAD LOG markers. */
  readonly verifierLog?: string;
  /** Program named in the libbpf log lines; defaults to the first program. */
  readonly program?: string;
  /** Extra libbpf log text (used as the whole log when no verifierLog is given). */
  readonly log?: string;
}

export interface FakeProgram {
  readonly name: string;
  readonly section: string;
  readonly type: number;
  readonly expectedAttachType: number;
  readonly insnCount: number;
  autoload: boolean;
  fd: number;
  pinnedAt: string | undefined;
}

export interface FakeMap {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  maxEntries: number;
  readonly flags: number;
  readonly internal: boolean;
  readonly section: string | undefined;
  readonly vars: readonly FakeVar[];
  initial: Uint8Array | undefined;
  fd: number;
  /** Bytes of one stored value: per-CPU maps keep one 8-aligned slot per possible CPU. */
  valueBytes: number;
  /** Elements by hex of the key, in insertion order. */
  readonly entries: Map<string, { key: Uint8Array; value: Uint8Array }>;
  /** Ring buffer maps: records waiting to be consumed. */
  readonly pending: Uint8Array[];
  readonly object: FakeObject;
}

export interface FakeObject {
  readonly source: string;
  readonly name: string;
  readonly programs: FakeProgram[];
  readonly maps: FakeMap[];
  readonly spec: FakeObjectSpec;
  loaded: boolean;
  closed: boolean;
}

export interface FakeLink {
  readonly id: number;
  readonly kind: string;
  readonly program: string;
  readonly target: string;
  readonly fd: number;
  destroyed: boolean;
  destroyCalls: number;
  disconnected: boolean;
  pinnedAt: string | undefined;
}

export interface FakeRing {
  readonly map: FakeMap;
  readonly cb: RingCallback;
  readonly budget: number;
  buffer: ArrayBuffer;
  /** ArrayBuffers allocated for this consumer (1 unless a record outgrew the buffer). */
  buffersCreated: number;
  len: number;
  count: number;
  consumed: number;
  inConsume: boolean;
  closing: boolean;
  closed: boolean;
  readonly stats: NativeRingStats;
}

type Injected = { errno: number; message: string; log: string };

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function u32At(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, true);
}

function objectNameFrom(source: string): string {
  const base = source.slice(source.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

/** libbpf's internal map name: object name prefix cut so the whole fits 15 chars. */
function internalMapName(objName: string, section: string): string {
  const pfx = Math.min(16 - section.length - 1, objName.length);
  return `${objName.slice(0, pfx)}${section}`;
}

const ARRAY_LIKE = new Set<number>([MapType.ARRAY, MapType.PERCPU_ARRAY, MapType.PROG_ARRAY]);

export interface FakeBridgeOptions {
  readonly cpus?: number;
  readonly bootOffsetNs?: bigint;
  readonly boottimeNs?: bigint;
  readonly libbpfVersion?: string;
}

export class FakeBridge implements NativeBridge {
  cpus: number;
  bootOffset: bigint;
  boottime: bigint;
  version: string;
  /** Results of probeProgType/probeMapType/probeHelper by key; missing keys give -EOPNOTSUPP. */
  readonly probes = new Map<string, number>();
  readonly tracepointArgs = new Map<string, number>();
  /** Kernel BTF enums kernelEnum() knows, by name. */
  readonly enums = new Map<string, { name: string; value: number }[]>();
  readonly mounts: { source: string; target: string; fstype: string }[] = [];
  /** Exceptions that escaped a ring buffer callback (the native bridge would make them fatal). */
  readonly uncaught: unknown[] = [];
  /** Method names in call order. */
  readonly calls: string[] = [];

  readonly #specs = new Map<string, FakeObjectSpec>();
  readonly #objects = new Map<Handle, FakeObject>();
  readonly #mapsByFd = new Map<number, FakeMap>();
  readonly #links = new Map<Handle, FakeLink>();
  readonly #rings = new Map<Handle, FakeRing>();
  readonly #attachFailures = new Map<string, { errno: number; message: string }>();
  readonly #injected = new Map<string, Injected>();
  #loadFailure: LoadFailure | undefined;
  #log = '';
  #lastError = '';
  #nextFd = 100;
  #nextId = 1;

  constructor(opts: FakeBridgeOptions = {}) {
    this.cpus = opts.cpus ?? 2;
    this.bootOffset = opts.bootOffsetNs ?? 1_700_000_000_000_000_000n;
    this.boottime = opts.boottimeNs ?? 5_000_000_000n;
    this.version = opts.libbpfVersion ?? 'v1.5';
  }

  // ---- test controls -------------------------------------------------------

  /** Registers the object objOpen(path) will open. */
  addObject(path: string, spec: FakeObjectSpec): this {
    this.#specs.set(path, spec);
    return this;
  }

  /** Makes the next objLoad fail with errno, lastError and a libbpf log. */
  failLoad(f: LoadFailure): this {
    this.#loadFailure = f;
    return this;
  }

  /** Makes every attach of program prog fail with errno and message, until cleared. */
  failAttach(prog: string, errno: number, message: string): this {
    this.#attachFailures.set(prog, { errno: Math.abs(errno), message });
    return this;
  }

  clearAttachFailure(prog: string): this {
    this.#attachFailures.delete(prog);
    return this;
  }

  /** Makes the next call of method return -errno, setting lastError and appending log. */
  failNext(method: keyof NativeBridge, errno: number, message = `${method} failed`, log = ''): this {
    this.#injected.set(method, { errno: Math.abs(errno), message, log });
    return this;
  }

  /** Appends text to the libbpf log (as libbpf's print callback would). */
  appendLog(text: string): void {
    this.#log += text;
  }

  /** The most recently opened object whose source is path. */
  object(path: string): FakeObject {
    const all = [...this.#objects.values()].filter((o) => o.source === path);
    const o = all[all.length - 1];
    if (!o) throw new Error(`fake: no object opened from ${path}`);
    return o;
  }

  get objects(): FakeObject[] {
    return [...this.#objects.values()];
  }

  /** The map with this name in the most recently opened object that has one. */
  map(name: string): FakeMap {
    const objs = [...this.#objects.values()].reverse();
    for (const o of objs) {
      const m = o.maps.find((x) => x.name === name);
      if (m) return m;
    }
    throw new Error(`fake: no map ${name}`);
  }

  /** Writes one value per CPU into a per-CPU map element (each into its 8-aligned slot). */
  setPerCpu(name: string, key: Uint8Array, values: readonly Uint8Array[]): void {
    const m = this.map(name);
    if (!isPerCpuMap(m.type)) throw new Error(`fake: ${name} is not per-CPU`);
    if (values.length !== this.cpus) throw new Error(`fake: need ${this.cpus} values`);
    const stride = Math.ceil(m.valueSize / 8) * 8;
    const blob = new Uint8Array(m.valueBytes);
    values.forEach((v, cpu) => {
      if (v.length !== m.valueSize) throw new Error(`fake: value must be ${m.valueSize} bytes`);
      blob.set(v, cpu * stride);
    });
    m.entries.set(hex(key), { key: Uint8Array.from(key), value: blob });
  }

  /** Queues a record in a ring buffer map (by name or fd). */
  pushRecord(map: string | number, data: Uint8Array): void {
    const m = typeof map === 'number' ? this.#mapsByFd.get(map) : this.map(map);
    if (!m || m.type !== MapType.RINGBUF) throw new Error(`fake: ${map} is not a ring buffer`);
    m.pending.push(Uint8Array.from(data));
  }

  /** The open consumers of a ring buffer map. */
  rings(map: string): FakeRing[] {
    const m = this.map(map);
    return [...this.#rings.values()].filter((r) => r.map === m);
  }

  /** An event-loop wake-up for every open consumer of map: drains up to each one's budget. */
  wake(map: string): number {
    let n = 0;
    for (const r of this.rings(map)) {
      if (r.closed || r.closing) continue;
      r.stats.wakeups++;
      n += this.#drain(r);
    }
    return n;
  }

  get links(): FakeLink[] {
    return [...this.#links.values()];
  }

  // ---- internals -----------------------------------------------------------

  #fail(errno: number, message: string): number {
    const e = Math.abs(errno) || Errno.EINVAL;
    this.#lastError = message;
    return -e;
  }

  #inject(method: keyof NativeBridge): number | undefined {
    this.calls.push(method);
    const f = this.#injected.get(method);
    if (!f) return undefined;
    this.#injected.delete(method);
    this.#log += f.log;
    return this.#fail(f.errno, f.message);
  }

  #obj(h: Handle): FakeObject | number {
    const o = this.#objects.get(h);
    if (!o || o.closed) return this.#fail(Errno.EBADF, 'object handle is closed or invalid');
    return o;
  }

  #prog(h: Handle, name: string): FakeProgram | number {
    const o = this.#obj(h);
    if (typeof o === 'number') return o;
    const p = o.programs.find((x) => x.name === name);
    return p ?? this.#fail(Errno.ENOENT, `no program named '${name}' in object`);
  }

  #mapOf(h: Handle, name: string): FakeMap | number {
    const o = this.#obj(h);
    if (typeof o === 'number') return o;
    const m = o.maps.find((x) => x.name === name);
    return m ?? this.#fail(Errno.ENOENT, `no map named '${name}' in object`);
  }

  #mapFd(fd: number): FakeMap | number {
    const m = this.#mapsByFd.get(fd);
    if (!m || m.object.closed) return this.#fail(Errno.EBADF, 'map fd must be a non-negative integer');
    return m;
  }

  #valueBytes(type: number, valueSize: number): number {
    return isPerCpuMap(type) ? Math.ceil(valueSize / 8) * 8 * this.cpus : valueSize;
  }

  #attach(h: Handle, prog: string, kind: string, target: string): Result<Handle> {
    const p = this.#prog(h, prog);
    if (typeof p === 'number') return p;
    if (p.fd < 0) return this.#fail(Errno.EINVAL, `cannot attach ${target}: program '${prog}' is not loaded`);
    const f = this.#attachFailures.get(prog);
    if (f) return this.#fail(f.errno, f.message);
    const id = this.#nextId++;
    const handle = { kind: 'link', id } as unknown as Handle;
    this.#links.set(handle, {
      id,
      kind,
      program: prog,
      target,
      fd: this.#nextFd++,
      destroyed: false,
      destroyCalls: 0,
      disconnected: false,
      pinnedAt: undefined,
    });
    return handle;
  }

  #link(h: Handle): FakeLink | number {
    const l = this.#links.get(h);
    if (!l || l.destroyed) return this.#fail(Errno.EBADF, 'link is destroyed or invalid');
    return l;
  }

  #ensureBuffer(r: FakeRing, need: number): void {
    if (need <= r.buffer.byteLength) return;
    r.buffer = new ArrayBuffer(need);
    r.buffersCreated++;
  }

  #deliver(r: FakeRing): void {
    if (r.count === 0 || r.closed) return;
    const len = r.len;
    const count = r.count;
    r.stats.batches++;
    if (count > r.stats.maxBatch) r.stats.maxBatch = count;
    r.len = 0;
    r.count = 0;
    try {
      r.cb(r.buffer, len, count);
    } catch (err) {
      r.stats.callbackErrors++;
      this.uncaught.push(err);
    }
  }

  #drain(r: FakeRing): number {
    r.inConsume = true;
    r.consumed = 0;
    const before = r.stats.records;
    const pending = r.map.pending;
    while (pending.length > 0) {
      const rec = pending[0]!;
      const size = rec.length;
      const need = 8 + ((size + 7) & ~7);
      if (r.len + need > r.buffer.byteLength) this.#deliver(r);
      if (r.closing) {
        pending.shift(); // consumed by libbpf, dropped with the consumer
        break;
      }
      this.#ensureBuffer(r, need);
      const view = new DataView(r.buffer);
      const bytes = new Uint8Array(r.buffer);
      view.setUint32(r.len, size, true);
      view.setUint32(r.len + 4, 0, true);
      bytes.set(rec, r.len + 8);
      bytes.fill(PAD_BYTE, r.len + 8 + size, r.len + need);
      pending.shift();
      r.len += need;
      r.count++;
      r.stats.records++;
      r.stats.bytes += size;
      r.consumed += need;
      if (r.consumed >= r.budget) break;
    }
    if (!r.closing) this.#deliver(r);
    r.inConsume = false;
    if (r.closing) r.closed = true;
    return r.stats.records - before;
  }

  // ---- NativeBridge --------------------------------------------------------

  takeLog(): string {
    const s = this.#log;
    this.#log = '';
    return s;
  }

  lastError(): string {
    return this.#lastError;
  }

  objOpen(source: string | Uint8Array, name?: string): Result<Handle> {
    const inj = this.#inject('objOpen');
    if (inj !== undefined) return inj;
    const key = typeof source === 'string' ? source : `<buffer:${source.length}>`;
    const spec = this.#specs.get(key);
    if (!spec) {
      this.#log += `libbpf: elf: failed to open ${key}: ${strerror(Errno.ENOENT)}\n`;
      return this.#fail(Errno.ENOENT, `cannot open BPF object: ${strerror(Errno.ENOENT)}`);
    }
    const objName = name ?? objectNameFrom(key);
    const obj: FakeObject = {
      source: key,
      name: objName,
      spec,
      programs: [],
      maps: [],
      loaded: false,
      closed: false,
    };
    for (const p of spec.programs ?? []) {
      obj.programs.push({
        name: p.name,
        section: p.section ?? `raw_tp/${p.name}`,
        type: p.type ?? ProgType.RAW_TRACEPOINT,
        expectedAttachType: p.expectedAttachType ?? 0,
        insnCount: p.insnCount ?? 16,
        autoload: p.autoload ?? true,
        fd: -1,
        pinnedAt: undefined,
      });
    }
    for (const m of spec.maps ?? []) {
      obj.maps.push({
        ...m,
        flags: m.flags ?? 0,
        internal: false,
        section: undefined,
        vars: [],
        initial: undefined,
        fd: -1,
        valueBytes: 0,
        entries: new Map(),
        pending: [],
        object: obj,
      });
    }
    for (const d of spec.datasecs ?? []) {
      const initial = new Uint8Array(d.size);
      if (d.initial) initial.set(d.initial);
      obj.maps.push({
        name: internalMapName(objName, d.section),
        type: MapType.ARRAY,
        keySize: 4,
        valueSize: d.size,
        maxEntries: 1,
        flags: d.section === '.rodata' ? 0x80 : 0,
        internal: true,
        section: d.section,
        vars: d.vars,
        initial,
        fd: -1,
        valueBytes: 0,
        entries: new Map(),
        pending: [],
        object: obj,
      });
    }
    const h = { kind: 'object', id: this.#nextId++ } as unknown as Handle;
    this.#objects.set(h, obj);
    return h;
  }

  objLoad(h: Handle): number {
    const inj = this.#inject('objLoad');
    if (inj !== undefined) return inj;
    const o = this.#obj(h);
    if (typeof o === 'number') return o;
    if (o.loaded) return this.#fail(Errno.EALREADY, 'object is already loaded');
    const f = this.#loadFailure;
    if (f) {
      this.#loadFailure = undefined;
      const errno = Math.abs(f.errno);
      const prog = f.program ?? o.programs[0]?.name ?? 'prog';
      let log = f.log ?? '';
      if (f.verifierLog !== undefined) {
        log =
          `libbpf: prog '${prog}': BPF program load failed: ${strerror(errno)}\n` +
          `libbpf: prog '${prog}': -- BEGIN PROG LOAD LOG --\n` +
          `${f.verifierLog}\n` +
          '-- END PROG LOAD LOG --\n' +
          `libbpf: prog '${prog}': failed to load: -${errno}\n` +
          `libbpf: failed to load object '${o.name}'\n` +
          log;
      }
      this.#log += log;
      return this.#fail(errno, f.message ?? `cannot load BPF object: ${strerror(errno)}`);
    }
    for (const p of o.programs) p.fd = p.autoload ? this.#nextFd++ : -1;
    for (const m of o.maps) {
      m.fd = this.#nextFd++;
      m.valueBytes = this.#valueBytes(m.type, m.valueSize);
      this.#mapsByFd.set(m.fd, m);
      if (m.internal && m.initial) {
        const key = new Uint8Array(4);
        m.entries.set(hex(key), { key, value: Uint8Array.from(m.initial) });
      }
    }
    o.loaded = true;
    return 0;
  }

  objClose(h: Handle): number {
    this.calls.push('objClose');
    const o = this.#objects.get(h);
    if (o && !o.closed) {
      o.closed = true;
      for (const m of o.maps) this.#mapsByFd.delete(m.fd);
    }
    return 0;
  }

  objPrograms(h: Handle): Result<NativeProgramInfo[]> {
    const inj = this.#inject('objPrograms');
    if (inj !== undefined) return inj;
    const o = this.#obj(h);
    if (typeof o === 'number') return o;
    return o.programs.map((p) => ({
      name: p.name,
      section: p.section,
      type: p.type,
      expectedAttachType: p.expectedAttachType,
      autoload: p.autoload,
      insnCount: p.insnCount,
      fd: o.loaded ? p.fd : -1,
    }));
  }

  objMaps(h: Handle): Result<NativeMapInfo[]> {
    const inj = this.#inject('objMaps');
    if (inj !== undefined) return inj;
    const o = this.#obj(h);
    if (typeof o === 'number') return o;
    return o.maps.map((m) => ({
      name: m.name,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
      flags: m.flags,
      internal: m.internal,
      fd: o.loaded ? m.fd : -1,
    }));
  }

  progSetAutoload(h: Handle, prog: string, on: boolean): number {
    const inj = this.#inject('progSetAutoload');
    if (inj !== undefined) return inj;
    const p = this.#prog(h, prog);
    if (typeof p === 'number') return p;
    if (this.#objects.get(h)?.loaded)
      return this.#fail(Errno.EINVAL, 'cannot set autoload (object already loaded?)');
    p.autoload = on;
    return 0;
  }

  progFd(h: Handle, prog: string): number {
    const inj = this.#inject('progFd');
    if (inj !== undefined) return inj;
    const p = this.#prog(h, prog);
    if (typeof p === 'number') return p;
    return p.fd < 0 ? this.#fail(Errno.EINVAL, 'program is not loaded') : p.fd;
  }

  progPin(h: Handle, prog: string, path: string): number {
    const inj = this.#inject('progPin');
    if (inj !== undefined) return inj;
    const p = this.#prog(h, prog);
    if (typeof p === 'number') return p;
    if (p.fd < 0) return this.#fail(Errno.EINVAL, `cannot pin program at ${path}: ${strerror(Errno.EINVAL)}`);
    p.pinnedAt = path;
    return 0;
  }

  mapSetMaxEntries(h: Handle, map: string, n: number): number {
    const inj = this.#inject('mapSetMaxEntries');
    if (inj !== undefined) return inj;
    const m = this.#mapOf(h, map);
    if (typeof m === 'number') return m;
    if (m.object.loaded) return this.#fail(Errno.EBUSY, 'cannot set max entries (object already loaded?)');
    m.maxEntries = n;
    return 0;
  }

  mapInitialValue(h: Handle, map: string): Result<Uint8Array> {
    const inj = this.#inject('mapInitialValue');
    if (inj !== undefined) return inj;
    const m = this.#mapOf(h, map);
    if (typeof m === 'number') return m;
    if (!m.initial) return this.#fail(Errno.ENOENT, 'map has no initial value (not a global data section)');
    return Uint8Array.from(m.initial);
  }

  mapSetInitialValue(h: Handle, map: string, value: Uint8Array): number {
    const inj = this.#inject('mapSetInitialValue');
    if (inj !== undefined) return inj;
    const m = this.#mapOf(h, map);
    if (typeof m === 'number') return m;
    if (!m.initial || m.object.loaded || value.length !== m.valueSize) {
      return this.#fail(
        Errno.EINVAL,
        'cannot set initial value: size must match and the object must not be loaded',
      );
    }
    m.initial = Uint8Array.from(value);
    return 0;
  }

  datasecVars(h: Handle, section: string): Result<{ name: string; offset: number; size: number }[]> {
    const inj = this.#inject('datasecVars');
    if (inj !== undefined) return inj;
    const o = this.#obj(h);
    if (typeof o === 'number') return o;
    const d = o.spec.datasecs?.find((x) => x.section === section);
    if (!d) return this.#fail(Errno.ENOENT, 'no such data section in BTF');
    return d.vars.map((v) => ({ ...v }));
  }

  btfStruct(h: Handle, name: string): Result<{ size: number; members: NativeBtfMember[] }> {
    const inj = this.#inject('btfStruct');
    if (inj !== undefined) return inj;
    const o = this.#obj(h);
    if (typeof o === 'number') return o;
    const s = o.spec.structs?.[name];
    if (!s) return this.#fail(Errno.ENOENT, `no struct '${name}' in the object's BTF`);
    return { size: s.size, members: s.members.map((m) => ({ ...m })) };
  }

  attachTracepoint(h: Handle, prog: string, category: string, name: string): Result<Handle> {
    return this.#inject('attachTracepoint') ?? this.#attach(h, prog, 'tracepoint', `${category}/${name}`);
  }

  attachRawTracepoint(h: Handle, prog: string, name: string): Result<Handle> {
    return this.#inject('attachRawTracepoint') ?? this.#attach(h, prog, 'raw_tracepoint', name);
  }

  attachAuto(h: Handle, prog: string): Result<Handle> {
    const inj = this.#inject('attachAuto');
    if (inj !== undefined) return inj;
    const p = this.#prog(h, prog);
    if (typeof p === 'number') return p;
    return this.#attach(h, prog, 'auto', p.section);
  }

  attachXdp(h: Handle, prog: string, ifindex: number): Result<Handle> {
    return this.#inject('attachXdp') ?? this.#attach(h, prog, 'xdp', `ifindex ${ifindex}`);
  }

  attachUprobe(
    h: Handle,
    prog: string,
    retprobe: boolean,
    pid: number,
    binary: string,
    offset: number,
  ): Result<Handle> {
    return (
      this.#inject('attachUprobe') ??
      this.#attach(h, prog, retprobe ? 'uretprobe' : 'uprobe', `${binary}+${offset} pid ${pid}`)
    );
  }

  linkDestroy(link: Handle): number {
    const inj = this.#inject('linkDestroy');
    if (inj !== undefined) return inj;
    const l = this.#links.get(link);
    if (!l) return this.#fail(Errno.EBADF, 'not a link handle');
    l.destroyCalls++;
    l.destroyed = true;
    return 0;
  }

  linkDisconnect(link: Handle): number {
    const inj = this.#inject('linkDisconnect');
    if (inj !== undefined) return inj;
    const l = this.#link(link);
    if (typeof l === 'number') return l;
    l.disconnected = true;
    return 0;
  }

  linkPin(link: Handle, path: string): number {
    const inj = this.#inject('linkPin');
    if (inj !== undefined) return inj;
    const l = this.#link(link);
    if (typeof l === 'number') return l;
    l.pinnedAt = path;
    return 0;
  }

  linkUnpin(link: Handle): number {
    const inj = this.#inject('linkUnpin');
    if (inj !== undefined) return inj;
    const l = this.#link(link);
    if (typeof l === 'number') return l;
    l.pinnedAt = undefined;
    return 0;
  }

  linkFd(link: Handle): number {
    const inj = this.#inject('linkFd');
    if (inj !== undefined) return inj;
    const l = this.#link(link);
    return typeof l === 'number' ? l : l.fd;
  }

  mapLookup(fd: number, key: Uint8Array, value: Uint8Array, _flags?: number): number {
    const inj = this.#inject('mapLookup');
    if (inj !== undefined) return inj;
    const m = this.#mapFd(fd);
    if (typeof m === 'number') return m;
    if (m.type === MapType.RINGBUF) return this.#fail(Errno.EINVAL, 'map lookup failed: Invalid argument');
    if (key.length !== m.keySize || value.length !== m.valueBytes) {
      return this.#fail(
        Errno.EINVAL,
        `map lookup failed: key ${key.length}/${m.keySize}, value ${value.length}/${m.valueBytes}`,
      );
    }
    if (ARRAY_LIKE.has(m.type)) {
      const idx = u32At(key);
      if (idx >= m.maxEntries)
        return this.#fail(Errno.ENOENT, `map lookup failed: ${strerror(Errno.ENOENT)}`);
      const e = m.entries.get(hex(key));
      if (e) value.set(e.value);
      else value.fill(0);
      return 0;
    }
    const e = m.entries.get(hex(key));
    if (!e) return this.#fail(Errno.ENOENT, `map lookup failed: ${strerror(Errno.ENOENT)}`);
    value.set(e.value);
    return 0;
  }

  mapUpdate(fd: number, key: Uint8Array, value: Uint8Array, flags = 0): number {
    const inj = this.#inject('mapUpdate');
    if (inj !== undefined) return inj;
    const m = this.#mapFd(fd);
    if (typeof m === 'number') return m;
    if (m.type === MapType.RINGBUF) return this.#fail(Errno.EINVAL, 'map update failed: Invalid argument');
    if (m.internal && m.section === '.rodata')
      return this.#fail(Errno.EPERM, 'map update failed: frozen map');
    if (key.length !== m.keySize || value.length !== m.valueBytes) {
      return this.#fail(
        Errno.EINVAL,
        `map update failed: key ${key.length}/${m.keySize}, value ${value.length}/${m.valueBytes}`,
      );
    }
    const k = hex(key);
    const exists = ARRAY_LIKE.has(m.type) ? u32At(key) < m.maxEntries : m.entries.has(k);
    if (ARRAY_LIKE.has(m.type)) {
      if (!exists) return this.#fail(Errno.E2BIG, 'map update failed: index out of range');
      if (flags === UpdateFlags.NOEXIST)
        return this.#fail(Errno.EEXIST, `map update failed: ${strerror(Errno.EEXIST)}`);
    } else {
      if (exists && flags === UpdateFlags.NOEXIST) {
        return this.#fail(Errno.EEXIST, `map update failed: ${strerror(Errno.EEXIST)}`);
      }
      if (!exists && flags === UpdateFlags.EXIST) {
        return this.#fail(Errno.ENOENT, `map update failed: ${strerror(Errno.ENOENT)}`);
      }
      if (!exists && m.entries.size >= m.maxEntries)
        return this.#fail(Errno.E2BIG, 'map update failed: map is full');
    }
    const prev = m.entries.get(k);
    if (prev) prev.value = Uint8Array.from(value);
    else m.entries.set(k, { key: Uint8Array.from(key), value: Uint8Array.from(value) });
    return 0;
  }

  mapDelete(fd: number, key: Uint8Array): number {
    const inj = this.#inject('mapDelete');
    if (inj !== undefined) return inj;
    const m = this.#mapFd(fd);
    if (typeof m === 'number') return m;
    if (ARRAY_LIKE.has(m.type) || m.type === MapType.RINGBUF) {
      return this.#fail(Errno.EINVAL, 'map delete failed: Invalid argument');
    }
    if (key.length !== m.keySize) return this.#fail(Errno.EINVAL, 'map delete failed: key size');
    if (!m.entries.delete(hex(key)))
      return this.#fail(Errno.ENOENT, `map delete failed: ${strerror(Errno.ENOENT)}`);
    return 0;
  }

  mapNextKey(fd: number, key: Uint8Array | null, next: Uint8Array): number {
    const inj = this.#inject('mapNextKey');
    if (inj !== undefined) return inj;
    const m = this.#mapFd(fd);
    if (typeof m === 'number') return m;
    if (m.type === MapType.RINGBUF) return this.#fail(Errno.EINVAL, 'map iteration: Invalid argument');
    if (next.length !== m.keySize || (key && key.length !== m.keySize)) {
      return this.#fail(Errno.EINVAL, 'map iteration: key size');
    }
    const end = (): number => this.#fail(Errno.ENOENT, `map iteration: ${strerror(Errno.ENOENT)}`);
    if (ARRAY_LIKE.has(m.type)) {
      const idx = key ? u32At(key) : -1;
      const n = idx >= m.maxEntries ? 0 : idx + 1;
      if (n >= m.maxEntries) return end();
      new DataView(next.buffer, next.byteOffset, next.byteLength).setUint32(0, n, true);
      return 0;
    }
    const keys = [...m.entries.values()].map((e) => e.key);
    // As the kernel does: an absent (or null) key restarts from the first key.
    const at = key ? [...m.entries.keys()].indexOf(hex(key)) : -1;
    const nk = keys[at + 1];
    if (!nk) return end();
    next.set(nk);
    return 0;
  }

  mapLookupBatch(
    fd: number,
    inBatch: Uint8Array | null,
    outBatch: Uint8Array,
    keys: Uint8Array,
    values: Uint8Array,
    count: number,
  ): Result<[number, boolean]> {
    const inj = this.#inject('mapLookupBatch');
    if (inj !== undefined) return inj;
    const m = this.#mapFd(fd);
    if (typeof m === 'number') return m;
    if (m.type === MapType.RINGBUF) return this.#fail(Errno.EINVAL, 'batch lookup failed: Invalid argument');
    const all = [...m.entries.values()];
    const start = inBatch ? u32At(inBatch) : 0;
    let n = 0;
    while (n < count && start + n < all.length) {
      const e = all[start + n]!;
      keys.set(e.key, n * m.keySize);
      values.set(e.value, n * m.valueBytes);
      n++;
    }
    new DataView(outBatch.buffer, outBatch.byteOffset, outBatch.byteLength).setUint32(0, start + n, true);
    return [n, start + n >= all.length];
  }

  ringbufOpen(mapFd: number, cb: RingCallback, batchBytes?: number): Result<Handle> {
    const inj = this.#inject('ringbufOpen');
    if (inj !== undefined) return inj;
    const m = this.#mapsByFd.get(mapFd);
    if (!m || m.object.closed) return this.#fail(Errno.EBADF, 'cannot open ring buffer: Bad file descriptor');
    if (m.type !== MapType.RINGBUF)
      return this.#fail(Errno.EINVAL, 'cannot open ring buffer: Invalid argument');
    if (typeof cb !== 'function') return this.#fail(Errno.EINVAL, 'callback must be a function');
    const budget = batchBytes ?? DEFAULT_BATCH_BYTES;
    if (!Number.isInteger(budget) || budget < 4096)
      return this.#fail(Errno.EINVAL, 'batch bytes must be an integer >= 4096');
    const h = { kind: 'ringbuf', id: this.#nextId++ } as unknown as Handle;
    this.#rings.set(h, {
      map: m,
      cb,
      budget,
      buffer: new ArrayBuffer(budget + 4096),
      buffersCreated: 1,
      len: 0,
      count: 0,
      consumed: 0,
      inConsume: false,
      closing: false,
      closed: false,
      stats: { wakeups: 0, records: 0, bytes: 0, batches: 0, maxBatch: 0, callbackErrors: 0 },
    });
    return h;
  }

  ringbufConsume(rb: Handle): number {
    const inj = this.#inject('ringbufConsume');
    if (inj !== undefined) return inj;
    const r = this.#rings.get(rb);
    if (!r || r.closed || r.closing) return this.#fail(Errno.EBADF, 'ring buffer is closed or invalid');
    if (r.inConsume) return this.#fail(Errno.EBUSY, 'ring buffer is already being consumed');
    return this.#drain(r);
  }

  ringbufClose(rb: Handle): number {
    const inj = this.#inject('ringbufClose');
    if (inj !== undefined) return inj;
    const r = this.#rings.get(rb);
    if (!r) return this.#fail(Errno.EBADF, 'not a ring buffer handle');
    if (r.closed || r.closing) return 0;
    if (r.inConsume) r.closing = true;
    else r.closed = true;
    return 0;
  }

  ringbufStats(rb: Handle): Result<NativeRingStats> {
    const inj = this.#inject('ringbufStats');
    if (inj !== undefined) return inj;
    const r = this.#rings.get(rb);
    if (!r) return this.#fail(Errno.EBADF, 'not a ring buffer handle');
    return { ...r.stats };
  }

  bootOffsetNs(): bigint {
    return this.bootOffset;
  }

  boottimeNs(): bigint {
    return this.boottime;
  }

  mountFs(source: string, target: string, fstype: string): number {
    const inj = this.#inject('mountFs');
    if (inj !== undefined) return inj;
    this.mounts.push({ source, target, fstype });
    return 0;
  }

  numPossibleCpus(): number {
    return this.cpus;
  }

  setParentDeathSignal(_signal: number): number {
    return 0;
  }

  probeProgType(type: number): number {
    return this.probes.get(`prog:${type}`) ?? this.#fail(Errno.EOPNOTSUPP, 'probe failed');
  }

  probeMapType(type: number): number {
    return this.probes.get(`map:${type}`) ?? this.#fail(Errno.EOPNOTSUPP, 'probe failed');
  }

  probeHelper(progType: number, helper: number): number {
    return this.probes.get(`helper:${progType}:${helper}`) ?? this.#fail(Errno.EOPNOTSUPP, 'probe failed');
  }

  libbpfVersion(): string {
    return this.version;
  }

  kernelTracepointArgs(name: string): number {
    return (
      this.tracepointArgs.get(name) ??
      this.#fail(Errno.ENOENT, `no tracepoint btf_trace_${name} in kernel BTF`)
    );
  }

  kernelEnum(name: string): Result<{ name: string; value: number }[]> {
    const e = this.enums.get(name);
    if (!e) return this.#fail(Errno.ENOENT, `no enum ${name} in kernel BTF`);
    return e.map((x) => ({ ...x }));
  }

  // ---- kernel-wide objects and fd attachments (program manager) -------------
  // The fake has no kernel: enumeration is empty, fd operations are unsupported.

  kernelIds(_kind: KernelObjectKind): Result<number[]> {
    return this.#inject('kernelIds') ?? [];
  }

  infoById<K extends KernelObjectKind>(kind: K, id: number): Result<KernelInfo[K]> {
    return this.#fail(Errno.ENOENT, `no ${kind} with id ${id}`);
  }

  infoByFd<K extends KernelObjectKind>(_kind: K, _fd: number): Result<KernelInfo[K]> {
    return this.#fail(Errno.EBADF, 'fake bridge: no kernel objects');
  }

  fdById(kind: KernelObjectKind, id: number): number {
    return this.#fail(Errno.ENOENT, `no ${kind} with id ${id}`);
  }

  objGet(path: string): number {
    return this.#fail(Errno.ENOENT, `cannot open pin ${path}`);
  }

  objPin(_fd: number, _path: string): number {
    return this.#fail(Errno.EOPNOTSUPP, 'fake bridge: cannot pin by fd');
  }

  fdClose(fd: number): number {
    for (const [h, l] of this.#links) {
      if ((h as unknown as { kind: string }).kind === 'fd-link' && l.fd === fd && !l.destroyed) {
        l.destroyCalls++;
        l.destroyed = true;
      }
    }
    return 0;
  }

  /** A bpf_link by fd (cgroup links): recorded among the links, released by fdClose. */
  linkCreate(progFd: number, targetFd: number, _attachType: number, _flags: number): number {
    const id = this.#nextId++;
    const fd = this.#nextFd++;
    this.#links.set({ kind: 'fd-link', id } as unknown as Handle, {
      id,
      kind: 'cgroup',
      program: `prog fd ${progFd}`,
      target: `cgroup fd ${targetFd}`,
      fd,
      destroyed: false,
      destroyCalls: 0,
      disconnected: false,
      pinnedAt: undefined,
    });
    return fd;
  }

  rawTracepointOpen(_progFd: number, _name: string): number {
    return this.#fail(Errno.EOPNOTSUPP, 'fake bridge: rawTracepointOpen');
  }

  tracepointLink(_progFd: number, _category: string, _name: string): number {
    return this.#fail(Errno.EOPNOTSUPP, 'fake bridge: tracepointLink');
  }

  uprobeLink(_progFd: number, _binary: string, _offset: number, _pid: number, _retprobe: boolean): number {
    return this.#fail(Errno.EOPNOTSUPP, 'fake bridge: uprobeLink');
  }

  elfSymbolOffset(path: string, symbol: string): number {
    return this.#fail(Errno.ENOENT, `no function symbol '${symbol}' in ${path}`);
  }

  linkDetach(_linkFd: number): number {
    return this.#fail(Errno.EOPNOTSUPP, 'fake bridge: linkDetach');
  }

  tcAttach(
    _progFd: number,
    _ifindex: number,
    _ingress: boolean,
    _priority: number,
    _handle: number,
  ): Result<NativeTcFilter> {
    return this.#fail(Errno.EOPNOTSUPP, 'fake bridge: tcAttach');
  }

  tcDetach(_ifindex: number, _ingress: boolean, _priority: number, _handle: number): number {
    return this.#fail(Errno.EOPNOTSUPP, 'fake bridge: tcDetach');
  }

  tcQuery(_ifindex: number, _ingress: boolean, _priority: number, _handle: number): number {
    return this.#fail(Errno.ENOENT, 'fake bridge: no tc filters');
  }

  ifNameToIndex(name: string): number {
    return this.#fail(Errno.ENODEV, `fake bridge: no network interface named "${name}"`);
  }

  xdpQuery(_ifindex: number): Result<NativeXdpQuery> {
    return this.#fail(Errno.ENODEV, 'fake bridge: no interfaces');
  }
}

/** A typical object: the process monitor's programs and maps plus a few test maps. */
export const PROCESS_OBJECT = 'build/bpf/process.bpf.o';

export function processObjectSpec(): FakeObjectSpec {
  return {
    programs: [
      { name: 'handle_exec', section: 'raw_tp/sched_process_exec' },
      { name: 'handle_fork', section: 'raw_tp/sched_process_fork' },
      { name: 'handle_exit', section: 'raw_tp/sched_process_exit' },
    ],
    maps: [
      { name: 'process_events', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 8 << 20 },
      { name: 'process_drops', type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 64 },
    ],
    datasecs: [
      {
        section: '.rodata',
        size: 24,
        vars: [
          { name: 'exit_has_group_dead', offset: 0, size: 1 },
          { name: 'filter_uid', offset: 2, size: 2 },
          { name: 'target_pid', offset: 4, size: 4 },
          { name: 'min_lifetime_ns', offset: 8, size: 8 },
          { name: 'tag', offset: 16, size: 8 },
        ],
        initial: Uint8Array.of(0, 0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8),
      },
    ],
    structs: {
      bw_fork_event: {
        size: 64,
        members: [
          { name: 'hdr', offset: 0, bitOffset: 0, bitSize: 0, size: 56 },
          { name: 'child_pid', offset: 56, bitOffset: 448, bitSize: 0, size: 4 },
          { name: 'child_tid', offset: 60, bitOffset: 480, bitSize: 0, size: 4 },
        ],
      },
    },
  };
}

/** A fake bridge with the process object registered. */
export function processBridge(opts: FakeBridgeOptions = {}): FakeBridge {
  return new FakeBridge(opts).addObject(PROCESS_OBJECT, processObjectSpec());
}
