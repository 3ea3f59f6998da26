/**
 * A policy object in bpffs: loaded once, its maps and links pinned under
 * `<pinRoot>/<name>/` (maps by short name, links under links/), so the
 * programs keep deciding when every process that loaded them is gone.
 * Later runs (the agent, the CLI) only open the pinned maps.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { type BpfObject, BpfObjectSpec, type NativeBridge } from '../../ebpf/index.ts';
import { FdLink } from '../../ebpf/links/index.ts';
import { PinnedMap } from '../../ebpf/pinned-map.ts';
import { eventsPinPath } from '../../host/enforce-pins.ts';
import { bpfObjectPath } from '../../host/paths.ts';
import { PolicyError } from './errors.ts';
import { withPinLock } from './pin-lock.ts';

export interface PolicyObjectSpec {
  /** The component name: pin directory under the root. */
  readonly name: string;
  /** build/bpf/<object>.bpf.o */
  readonly object: string;
  /** Kernel map names are `<prefix>_<short name>`. */
  readonly mapPrefix: string;
  /** Short name -> expected key and value sizes (a pin of another layout is refused). */
  readonly maps: Readonly<Record<string, { readonly key: number; readonly value: number }>>;
  /** Link pin names, in attach order. */
  readonly links: readonly string[];
  /** Attaches the loaded programs: one link per name in `links`. */
  readonly attach: (obj: BpfObject, bridge: NativeBridge) => Readonly<Record<string, FdLink>>;
}

export class PinnedPolicyObject {
  readonly spec: PolicyObjectSpec;
  readonly dir: string;
  readonly #bridge: NativeBridge;
  readonly #pinRoot: string;
  readonly #objectPath: string;
  #maps: Map<string, PinnedMap> | undefined;

  constructor(bridge: NativeBridge, pinRoot: string, spec: PolicyObjectSpec, objectPath?: string) {
    this.#bridge = bridge;
    this.#pinRoot = pinRoot;
    this.spec = spec;
    this.dir = `${pinRoot}/${spec.name}`;
    this.#objectPath = objectPath ?? bpfObjectPath(spec.object);
  }

  mapPin(short: string): string {
    return short === 'events' ? eventsPinPath(this.#pinRoot, this.spec.name) : `${this.dir}/${short}`;
  }

  linkPin(name: string): string {
    return `${this.dir}/links/${name}`;
  }

  /** Every map and link pinned: the programs are in the kernel and attached. */
  get loaded(): boolean {
    return (
      Object.keys(this.spec.maps).every((m) => existsSync(this.mapPin(m))) &&
      this.spec.links.every((l) => existsSync(this.linkPin(l)))
    );
  }

  /** Serializes changes to this component's pins and tables across processes. */
  locked<T>(fn: () => T): T {
    mkdirSync(this.#pinRoot, { recursive: true, mode: 0o700 });
    return withPinLock(`${this.#pinRoot}/${this.spec.name}-lock`, fn);
  }

  /** Loads, pins and attaches unless already pinned (call inside locked()); true when it loaded now. */
  ensureLoaded(): boolean {
    if (this.loaded) return false;
    // Partial pins (a load that died half-way): start over.
    this.#removePins();
    let spec: BpfObjectSpec | undefined = BpfObjectSpec.open(this.#objectPath, { bridge: this.#bridge });
    let obj: BpfObject | undefined;
    const links: FdLink[] = [];
    try {
      obj = spec.load();
      spec = undefined;
      mkdirSync(`${this.dir}/links`, { recursive: true, mode: 0o700 });
      for (const short of Object.keys(this.spec.maps)) {
        const map = obj.map(`${this.spec.mapPrefix}_${short}`);
        const r = this.#bridge.objPin(map.fd, this.mapPin(short));
        if (r < 0)
          throw new PolicyError(
            'POLICY_LOAD',
            `cannot pin ${this.mapPin(short)}: ${this.#bridge.lastError()}`,
          );
      }
      const attached = this.spec.attach(obj, this.#bridge);
      for (const name of this.spec.links) {
        const link = attached[name];
        if (!link) throw new PolicyError('POLICY_LOAD', `no ${name} link from attaching ${this.spec.object}`);
        links.push(link);
        link.pin(this.linkPin(name));
      }
      return true;
    } catch (err) {
      for (const l of links) {
        try {
          l.detach();
        } catch {
          // Not attached after all: closing below releases it.
        }
      }
      this.#removePins();
      if (err instanceof PolicyError) throw err;
      throw new PolicyError(
        'POLICY_LOAD',
        `cannot load the ${this.spec.name} policy: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    } finally {
      for (const l of links) l.close();
      obj?.close();
      spec?.close();
    }
  }

  /**
   * The pinned maps by short name, opened once and reopened when the pins
   * now hold other maps (unloaded and loaded again by another process);
   * refuses pins of another layout.
   */
  maps(): ReadonlyMap<string, PinnedMap> {
    if (this.#maps && this.#current(this.#maps)) return this.#maps;
    this.close();
    const out = new Map<string, PinnedMap>();
    try {
      for (const [short, want] of Object.entries(this.spec.maps)) {
        const m = PinnedMap.open(this.#bridge, this.mapPin(short));
        out.set(short, m);
        if (m.map.keySize !== want.key || m.map.valueSize !== want.value) {
          throw new PolicyError(
            'POLICY_PIN_MISMATCH',
            `${this.mapPin(short)} has ${m.map.keySize}-byte keys and ${m.map.valueSize}-byte values, this bpfwarden ` +
              `expects ${want.key} and ${want.value}: the pinned ${this.spec.name} policy comes from another version; ` +
              `run: bpfwarden policy unload ${this.spec.name}`,
          );
        }
      }
    } catch (err) {
      for (const m of out.values()) m.close();
      throw err;
    }
    this.#maps = out;
    return out;
  }

  /** True when the pin of the first map still holds the map we have open. */
  #current(maps: ReadonlyMap<string, PinnedMap>): boolean {
    const [short, open] = [...maps][0] ?? [];
    if (!short || !open) return false;
    const fd = this.#bridge.objGet(this.mapPin(short));
    if (fd < 0) {
      this.#bridge.lastError(); // consumed: a missing pin is an answer here, not a failure
      return false;
    }
    try {
      const pinned = this.#bridge.infoByFd('map', fd);
      const ours = this.#bridge.infoByFd('map', open.map.fd);
      return typeof pinned !== 'number' && typeof ours !== 'number' && pinned.id === ours.id;
    } finally {
      this.#bridge.fdClose(fd);
    }
  }

  map(short: string) {
    const m = this.maps().get(short);
    if (!m) throw new PolicyError('POLICY_LOAD', `no map ${short} in the ${this.spec.name} policy`);
    return m.map;
  }

  /** Releases this process's map fds; the pins stay. */
  close(): void {
    for (const m of this.#maps?.values() ?? []) m.close();
    this.#maps = undefined;
  }

  /** Detaches the links and removes every pin: enforcement stops. */
  unload(): void {
    this.close();
    for (const name of this.spec.links) {
      const path = this.linkPin(name);
      if (!existsSync(path)) continue;
      try {
        const link = FdLink.fromPin(this.#bridge, path);
        try {
          link.detach();
        } finally {
          link.close();
        }
      } catch {
        // Links that cannot be detached go when their last pin does.
      }
    }
    this.#removePins();
  }

  #removePins(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
