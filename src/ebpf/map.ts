/** Typed access to a loaded map's elements through key and value codecs. */
import type { NativeBridge, NativeMapInfo } from './bridge.ts';
import { check, checkZero, failure } from './check.ts';
import type { Codec } from './codec.ts';
import { BpfError } from './errors.ts';
import { isPerCpuMap, UpdateFlags } from './types.ts';

const ENOENT = 2;

export interface MapInfo {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly fd: number;
}

/** A loaded map, untyped: raw byte access. */
export class RawMap implements MapInfo {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly fd: number;
  /** Bytes of one lookup result: per-CPU maps return one 8-aligned slot per possible CPU. */
  readonly valueBytes: number;
  readonly cpus: number;
  readonly #bridge: NativeBridge;
  readonly #alive: () => boolean;

  constructor(bridge: NativeBridge, info: NativeMapInfo, alive: () => boolean) {
    this.#bridge = bridge;
    this.#alive = alive;
    this.name = info.name;
    this.type = info.type;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.fd = info.fd;
    this.cpus = isPerCpuMap(info.type) ? check(bridge, bridge.numPossibleCpus(), 'count possible CPUs') : 1;
    this.valueBytes = isPerCpuMap(info.type) ? Math.ceil(info.valueSize / 8) * 8 * this.cpus : info.valueSize;
  }

  #live(): void {
    if (!this.#alive()) throw new BpfError('EBADF', `map ${this.name}: its object is closed`);
  }

  /** Looks up key into a fresh buffer; undefined when absent. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    this.#live();
    const out = new Uint8Array(this.valueBytes);
    const r = this.#bridge.mapLookup(this.fd, key, out);
    if (r === -ENOENT) return undefined;
    if (r < 0) throw failure(this.#bridge, r, `map ${this.name}: lookup`);
    return out;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlags.ANY): void {
    this.#live();
    checkZero(this.#bridge, this.#bridge.mapUpdate(this.fd, key, value, flags), `map ${this.name}: update`);
  }

  /** Deletes key; false when it was absent. */
  delete(key: Uint8Array): boolean {
    this.#live();
    const r = this.#bridge.mapDelete(this.fd, key);
    if (r === -ENOENT) return false;
    checkZero(this.#bridge, r, `map ${this.name}: delete`);
    return true;
  }

  *keys(): Generator<Uint8Array> {
    this.#live();
    let prev: Uint8Array | null = null;
    for (;;) {
      const next = new Uint8Array(this.keySize);
      const r = this.#bridge.mapNextKey(this.fd, prev, next);
      if (r === -ENOENT) return;
      checkZero(this.#bridge, r, `map ${this.name}: iterate`);
      yield next;
      prev = next;
    }
  }
}

/** A map with typed keys and values. */
export class BpfMap<K, V> {
  readonly raw: RawMap;
  readonly #key: Codec<K>;
  readonly #value: Codec<V>;

  constructor(raw: RawMap, key: Codec<K>, value: Codec<V>) {
    if (key.size !== raw.keySize) {
      throw new BpfError(
        'EINVAL',
        `map ${raw.name}: key codec is ${key.size} bytes, map keys are ${raw.keySize}`,
      );
    }
    if (value.size !== raw.valueSize) {
      throw new BpfError(
        'EINVAL',
        `map ${raw.name}: value codec is ${value.size} bytes, map values are ${raw.valueSize}`,
      );
    }
    this.raw = raw;
    this.#key = key;
    this.#value = value;
  }

  #enc(k: K): Uint8Array {
    const b = new Uint8Array(this.#key.size);
    this.#key.encode(k, b);
    return b;
  }

  get(key: K): V | undefined {
    const v = this.raw.lookup(this.#enc(key));
    return v === undefined ? undefined : this.#value.decode(v.subarray(0, this.#value.size));
  }

  /** Per-CPU maps: one value per possible CPU. */
  getPerCpu(key: K): V[] | undefined {
    const v = this.raw.lookup(this.#enc(key));
    if (v === undefined) return undefined;
    const stride = Math.ceil(this.#value.size / 8) * 8;
    const out: V[] = [];
    for (let cpu = 0; cpu < this.raw.cpus; cpu++) {
      out.push(this.#value.decode(v.subarray(cpu * stride, cpu * stride + this.#value.size)));
    }
    return out;
  }

  set(key: K, value: V, flags: number = UpdateFlags.ANY): void {
    const b = new Uint8Array(this.raw.valueBytes);
    const stride = Math.ceil(this.#value.size / 8) * 8;
    for (let cpu = 0; cpu < this.raw.cpus; cpu++) {
      this.#value.encode(value, b.subarray(cpu * stride, cpu * stride + this.#value.size));
    }
    this.raw.update(this.#enc(key), b, flags);
  }

  delete(key: K): boolean {
    return this.raw.delete(this.#enc(key));
  }

  *keys(): Generator<K> {
    for (const k of this.raw.keys()) yield this.#key.decode(k);
  }

  *entries(): Generator<[K, V]> {
    for (const k of this.raw.keys()) {
      const v = this.raw.lookup(k);
      if (v !== undefined) yield [this.#key.decode(k), this.#value.decode(v.subarray(0, this.#value.size))];
    }
  }
}

/** Sums a per-CPU counter array over CPUs: index -> total. */
export function sumPerCpu(map: BpfMap<number, number>, index: number): number {
  const per = map.getPerCpu(index);
  return per ? per.reduce((a, b) => a + b, 0) : 0;
}
