/**
 * BPF objects in two stages, as in cilium/ebpf: a spec (opened, configurable:
 * map sizes, globals, which programs load) and, after load(), an object whose
 * programs can be attached and whose maps can be read.
 */
import type { Handle, NativeBridge, NativeMapInfo, NativeProgramInfo } from './bridge.ts';
import { check, checkZero } from './check.ts';
import type { Codec } from './codec.ts';
import { BpfError } from './errors.ts';
import { BpfMap, RawMap } from './map.ts';
import { nativeBridge } from './native.ts';
import { Program } from './program.ts';

export interface BtfStruct {
  readonly size: number;
  readonly members: readonly { name: string; offset: number; size: number; bitSize: number }[];
}

export interface OpenOptions {
  /** Object name (prefix of internal map names); defaults to the file name. */
  readonly name?: string;
  readonly bridge?: NativeBridge;
}

const GLOBAL_SECTIONS = ['.rodata', '.data', '.bss'] as const;

export class BpfObjectSpec {
  readonly #bridge: NativeBridge;
  #handle: Handle | undefined;
  readonly source: string;

  private constructor(bridge: NativeBridge, handle: Handle, source: string) {
    this.#bridge = bridge;
    this.#handle = handle;
    this.source = source;
  }

  static open(source: string | Uint8Array, opts: OpenOptions = {}): BpfObjectSpec {
    const bridge = opts.bridge ?? nativeBridge();
    const label = typeof source === 'string' ? source : `<${source.length}-byte buffer>`;
    bridge.takeLog();
    const h = check(bridge, bridge.objOpen(source, opts.name), `open BPF object ${label}`);
    return new BpfObjectSpec(bridge, h, label);
  }

  #h(): Handle {
    if (!this.#handle) throw new BpfError('EBADF', `BPF object ${this.source} is closed or already loaded`);
    return this.#handle;
  }

  get programs(): NativeProgramInfo[] {
    return check(this.#bridge, this.#bridge.objPrograms(this.#h()), 'list programs');
  }

  get maps(): NativeMapInfo[] {
    return check(this.#bridge, this.#bridge.objMaps(this.#h()), 'list maps');
  }

  setMaxEntries(map: string, n: number): this {
    checkZero(this.#bridge, this.#bridge.mapSetMaxEntries(this.#h(), map, n), `set max entries of ${map}`);
    return this;
  }

  setAutoload(program: string, on: boolean): this {
    checkZero(
      this.#bridge,
      this.#bridge.progSetAutoload(this.#h(), program, on),
      `set autoload of ${program}`,
    );
    return this;
  }

  btfStruct(name: string): BtfStruct {
    return check(this.#bridge, this.#bridge.btfStruct(this.#h(), name), `BTF struct ${name}`);
  }

  /** Sets a global variable (const volatile in .rodata, or .data/.bss) before load. */
  setGlobal(name: string, value: Uint8Array | number | bigint | boolean): this {
    const h = this.#h();
    for (const m of this.maps.filter((x) => x.internal)) {
      const section = GLOBAL_SECTIONS.find((s) => m.name.endsWith(s));
      if (!section) continue;
      const vars = this.#bridge.datasecVars(h, section);
      if (typeof vars === 'number') continue;
      const v = vars.find((x) => x.name === name);
      if (!v) continue;
      const bytes = encodeGlobal(name, value, v.size);
      const init = check(this.#bridge, this.#bridge.mapInitialValue(h, m.name), `read ${m.name}`);
      const copy = Uint8Array.from(init);
      copy.set(bytes, v.offset);
      checkZero(this.#bridge, this.#bridge.mapSetInitialValue(h, m.name, copy), `set global ${name}`);
      return this;
    }
    throw new BpfError('ENOENT', `no global variable '${name}' in ${this.source}`);
  }

  /** Loads every program and creates every map; the spec is consumed. */
  load(): BpfObject {
    const h = this.#h();
    this.#bridge.takeLog();
    checkZero(this.#bridge, this.#bridge.objLoad(h), `load BPF object ${this.source}`);
    this.#handle = undefined;
    return new BpfObject(this.#bridge, h, this.source);
  }

  close(): void {
    if (this.#handle) this.#bridge.objClose(this.#handle);
    this.#handle = undefined;
  }
}

function encodeGlobal(name: string, value: Uint8Array | number | bigint | boolean, size: number): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== size)
      throw new BpfError('EINVAL', `global ${name} is ${size} bytes, got ${value.length}`);
    return value;
  }
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  const big = typeof n === 'bigint' ? n : Number.isSafeInteger(n) ? BigInt(n) : undefined;
  if (big === undefined || big < 0n || big >= 1n << BigInt(size * 8)) {
    throw new BpfError(
      'EINVAL',
      `global ${name} is an unsigned ${size}-byte value; ${String(value)} does not fit`,
    );
  }
  if (size === 1) dv.setUint8(0, Number(n));
  else if (size === 2) dv.setUint16(0, Number(n), true);
  else if (size === 4) dv.setUint32(0, Number(n), true);
  else if (size === 8) dv.setBigUint64(0, BigInt(n), true);
  else throw new BpfError('EINVAL', `global ${name} is ${size} bytes: pass a Uint8Array`);
  return out;
}

export class BpfObject {
  readonly source: string;
  readonly #bridge: NativeBridge;
  #handle: Handle | undefined;
  readonly #programs = new Map<string, Program>();
  readonly #maps = new Map<string, RawMap>();

  constructor(bridge: NativeBridge, handle: Handle, source: string) {
    this.#bridge = bridge;
    this.#handle = handle;
    this.source = source;
    const obj = (): Handle => this.#h();
    for (const p of check(bridge, bridge.objPrograms(handle), 'list programs')) {
      if (p.fd >= 0) this.#programs.set(p.name, new Program(bridge, obj, p));
    }
    for (const m of check(bridge, bridge.objMaps(handle), 'list maps')) {
      this.#maps.set(m.name, new RawMap(bridge, m, () => this.#handle !== undefined));
    }
  }

  #h(): Handle {
    if (!this.#handle) throw new BpfError('EBADF', `BPF object ${this.source} is closed`);
    return this.#handle;
  }

  get programs(): Program[] {
    return [...this.#programs.values()];
  }

  program(name: string): Program {
    const p = this.#programs.get(name);
    if (!p) throw new BpfError('ENOENT', `no loaded program '${name}' in ${this.source}`);
    return p;
  }

  get maps(): RawMap[] {
    return [...this.#maps.values()];
  }

  map(name: string): RawMap {
    const m = this.#maps.get(name);
    if (!m) throw new BpfError('ENOENT', `no map '${name}' in ${this.source}`);
    return m;
  }

  typedMap<K, V>(name: string, key: Codec<K>, value: Codec<V>): BpfMap<K, V> {
    return new BpfMap(this.map(name), key, value);
  }

  get closed(): boolean {
    return this.#handle === undefined;
  }

  /** Closes programs and maps; attached links stay until destroyed. */
  close(): void {
    if (this.#handle) this.#bridge.objClose(this.#handle);
    this.#handle = undefined;
  }
}
