/**
 * The program manager's operations: load objects, attach and detach links,
 * list and unload. Every change is pinned under the pin root and recorded in
 * SQLite in one transaction, so a crash never leaves a record without a pin
 * or the reverse (reconcile repairs what happens outside).
 */
import { basename } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { LinkSpec } from '../domain/manager/model.ts';
import { KernelObjects, type KernelProgram, type NativeBridge } from '../ebpf/index.ts';
import { progTypeName } from '../ebpf/names.ts';
import {
  type LinkRecord,
  type ObjectRecord,
  type ProgramRecord,
  ProgramsStore,
} from '../store/programs-store.ts';
import { attachPinned } from './attach.ts';
import type { ManagerConfig } from './config.ts';
import { ManagerError } from './errors.ts';
import { loadAndPin } from './loader.ts';
import { allowedObjectPath, checkBpfElf, sha256File } from './object-file.ts';
import { ensureParent, linkPin, objectDir, unpin } from './pins.ts';
import { releaseLink, releaseObjectPins } from './release.ts';

export interface LoadOptions {
  readonly file: string;
  readonly name?: string;
  readonly programs?: readonly string[];
  readonly globals?: Readonly<Record<string, string>>;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ProgramView extends ProgramRecord {
  readonly typeName: string;
  readonly object: ObjectRecord;
  readonly links: readonly LinkRecord[];
  /** What the kernel says now; undefined when the program is not in the kernel. */
  readonly kernel: KernelProgram | undefined;
}

export interface ProgramFilter {
  readonly type?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export class ProgramManager {
  readonly bridge: NativeBridge;
  readonly store: ProgramsStore;
  readonly settings: ManagerConfig;
  readonly #now: () => number;

  constructor(bridge: NativeBridge, db: DatabaseSync, settings: ManagerConfig, now: () => number = Date.now) {
    this.bridge = bridge;
    this.store = new ProgramsStore(db);
    this.settings = settings;
    this.#now = now;
  }

  get root(): string {
    return this.settings.pinRoot;
  }

  load(opts: LoadOptions): ProgramView[] {
    const path = allowedObjectPath(opts.file, this.settings.allowedDirs);
    checkBpfElf(path);
    const name = opts.name ?? basename(path).replace(/\.(bpf\.)?o$/, '');
    const sha256 = sha256File(path);
    const req = { path, name, programs: opts.programs ?? [], globals: opts.globals ?? {} };
    const ids = this.store.transaction(() => {
      const objectId = this.store.insertObject({
        ...req,
        sha256,
        pinDir: '',
        loadedAt: this.#now(),
        metadata: opts.metadata ?? {},
      });
      this.store.setObjectPinDir(objectId, objectDir(this.root, objectId));
      const loaded = loadAndPin(this.bridge, req, this.root, objectId);
      try {
        for (const m of loaded.maps) this.store.insertMap({ objectId, ...m });
        return loaded.programs.map((p) => this.store.insertProgram({ objectId, ...p }));
      } catch (err) {
        releaseObjectPins(this.root, objectId);
        throw err;
      }
    });
    return ids.map((id) => this.getProgram(id));
  }

  #program(id: number): ProgramRecord {
    const p = this.store.program(id);
    if (!p)
      throw new ManagerError(
        'MANAGER_NOT_FOUND',
        `no managed program with id ${id} (see: bpfwarden prog list)`,
      );
    return p;
  }

  #view(p: ProgramRecord, objects: ObjectRecord[], links: LinkRecord[], kernel: KernelObjects): ProgramView {
    const object = objects.find((o) => o.id === p.objectId);
    if (!object) throw new ManagerError('MANAGER_NOT_FOUND', `program ${p.id} has no object record`);
    const k = kernel.program(p.kernelId);
    return {
      ...p,
      typeName: progTypeName(p.type),
      object,
      links: links.filter((l) => l.programId === p.id),
      kernel: k && k.tag === p.tag ? k : undefined,
    };
  }

  getProgram(id: number): ProgramView {
    const p = this.#program(id);
    return this.#view(p, this.store.objects(), this.store.links(), new KernelObjects(this.bridge));
  }

  listPrograms(filter: ProgramFilter = {}): ProgramView[] {
    const objects = this.store.objects();
    const links = this.store.links();
    const kernel = new KernelObjects(this.bridge);
    return this.store
      .programs()
      .map((p) => this.#view(p, objects, links, kernel))
      .filter((v) => filter.type === undefined || v.typeName === filter.type)
      .filter((v) => Object.entries(filter.metadata ?? {}).every(([k, val]) => v.object.metadata[k] === val));
  }

  /** Detaches the program's links, unpins it, and forgets it; the object's maps go with its last program. */
  unloadProgram(id: number): void {
    const p = this.#program(id);
    for (const l of this.store.links().filter((x) => x.programId === id))
      releaseLink(this.bridge, l, this.root);
    unpin(p.pin);
    const last = !this.store.programs().some((x) => x.objectId === p.objectId && x.id !== id);
    if (last) releaseObjectPins(this.root, p.objectId);
    this.store.transaction(() => (last ? this.store.deleteObject(p.objectId) : this.store.deleteProgram(id)));
  }

  attach(programId: number, spec: LinkSpec): LinkRecord {
    const p = this.#program(programId);
    const id = this.store.transaction(() => {
      const linkId = this.store.insertLink(programId, spec, this.#now());
      this.attachAs(linkId, p, spec);
      return linkId;
    });
    const l = this.store.link(id);
    if (!l) throw new ManagerError('MANAGER_NOT_FOUND', `link ${id} vanished`);
    return l;
  }

  /** Attaches p per spec as link linkId: pins it (bpf_link kinds) and records kernel id and pin. */
  attachAs(linkId: number, p: ProgramRecord, spec: LinkSpec): void {
    let a: ReturnType<typeof attachPinned>;
    try {
      a = attachPinned(this.bridge, p.pin, spec);
    } catch (err) {
      if (err instanceof ManagerError) throw err;
      throw new ManagerError('MANAGER_ATTACH_FAILED', (err as Error).message, { cause: err });
    }
    if (a.kind === 'tc') {
      this.store.updateLink(linkId, a.spec, undefined, undefined);
      return;
    }
    const pin = linkPin(this.root, linkId);
    try {
      ensureParent(pin);
      unpin(pin);
      a.link.pin(pin);
      this.store.updateLink(linkId, a.spec, a.link.id, pin);
    } catch (err) {
      unpin(pin);
      throw err;
    } finally {
      a.link.close();
    }
  }

  link(id: number): LinkRecord {
    const l = this.store.link(id);
    if (!l)
      throw new ManagerError('MANAGER_NOT_FOUND', `no managed link with id ${id} (see: bpfwarden link list)`);
    return l;
  }

  links(): LinkRecord[] {
    return this.store.links();
  }

  detach(id: number): void {
    const l = this.link(id);
    releaseLink(this.bridge, l, this.root);
    this.store.deleteLink(id);
  }
}
