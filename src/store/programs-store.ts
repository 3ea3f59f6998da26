/**
 * The program manager's records (migration 7): objects it loaded, their
 * programs and maps with kernel ids and pins, links with their specs, and
 * operator metadata. The store knows nothing of the kernel.
 */
import type { DatabaseSync } from 'node:sqlite';
import type {
  LinkSpec,
  ManagedLink,
  ManagedMap,
  ManagedObject,
  ManagedProgram,
  ManagedState,
} from '../domain/manager/model.ts';

export interface ObjectRecord extends ManagedObject {
  readonly programs: readonly string[];
  readonly globals: Readonly<Record<string, string>>;
  readonly pinDir: string;
  readonly loadedAt: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ProgramRecord extends ManagedProgram {
  readonly section: string;
  readonly type: number;
  readonly expectedAttachType: number;
}

export interface MapRecord extends ManagedMap {
  readonly type: number;
}

export interface LinkRecord extends ManagedLink {
  readonly createdAt: number;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const str = (v: unknown): string => String(v);

function toProgram(r: Row): ProgramRecord {
  return {
    id: num(r.id),
    objectId: num(r.object_id),
    name: str(r.name),
    section: str(r.section),
    type: num(r.type),
    expectedAttachType: num(r.expected_attach_type),
    kernelId: num(r.kernel_id),
    tag: str(r.tag),
    pin: str(r.pin),
  };
}

function toMap(r: Row): MapRecord {
  return {
    id: num(r.id),
    objectId: num(r.object_id),
    name: str(r.name),
    type: num(r.type),
    kernelId: num(r.kernel_id),
    pin: str(r.pin),
  };
}

function toLink(r: Row): LinkRecord {
  return {
    id: num(r.id),
    programId: num(r.program_id),
    spec: JSON.parse(str(r.spec_json)) as LinkSpec,
    kernelId: r.kernel_id === null ? undefined : num(r.kernel_id),
    pin: r.pin === null ? undefined : str(r.pin),
    createdAt: num(r.created_at),
  };
}

export class ProgramsStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Runs fn in one transaction (IMMEDIATE: the write lock first). */
  transaction<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      this.#db.exec('COMMIT');
      return r;
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  insertObject(o: Omit<ObjectRecord, 'id'>): number {
    const r = this.#db
      .prepare(
        `INSERT INTO manager_objects (name, path, sha256, programs_json, globals_json, pin_dir, loaded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        o.name,
        o.path,
        o.sha256,
        JSON.stringify(o.programs),
        JSON.stringify(o.globals),
        o.pinDir,
        o.loadedAt,
      );
    const id = Number(r.lastInsertRowid);
    const meta = this.#db.prepare(
      'INSERT INTO manager_object_metadata (object_id, key, value) VALUES (?, ?, ?)',
    );
    for (const [k, v] of Object.entries(o.metadata)) meta.run(id, k, v);
    return id;
  }

  setObjectPinDir(id: number, pinDir: string): void {
    this.#db.prepare('UPDATE manager_objects SET pin_dir = ? WHERE id = ?').run(pinDir, id);
  }

  markObjectLoaded(id: number, at: number): void {
    this.#db.prepare('UPDATE manager_objects SET loaded_at = ? WHERE id = ?').run(at, id);
  }

  insertProgram(p: Omit<ProgramRecord, 'id'>): number {
    const r = this.#db
      .prepare(
        `INSERT INTO manager_programs (object_id, name, section, type, expected_attach_type, kernel_id, tag, pin)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(p.objectId, p.name, p.section, p.type, p.expectedAttachType, p.kernelId, p.tag, p.pin);
    return Number(r.lastInsertRowid);
  }

  updateProgramKernel(id: number, kernelId: number, tag: string): void {
    this.#db
      .prepare('UPDATE manager_programs SET kernel_id = ?, tag = ? WHERE id = ?')
      .run(kernelId, tag, id);
  }

  insertMap(m: Omit<MapRecord, 'id'>): number {
    const r = this.#db
      .prepare('INSERT INTO manager_maps (object_id, name, type, kernel_id, pin) VALUES (?, ?, ?, ?, ?)')
      .run(m.objectId, m.name, m.type, m.kernelId, m.pin);
    return Number(r.lastInsertRowid);
  }

  updateMapKernel(id: number, kernelId: number): void {
    this.#db.prepare('UPDATE manager_maps SET kernel_id = ? WHERE id = ?').run(kernelId, id);
  }

  /** Inserts a link row; the caller sets its kernel id and pin once attached (same transaction). */
  insertLink(programId: number, spec: LinkSpec, at: number): number {
    const r = this.#db
      .prepare('INSERT INTO manager_links (program_id, kind, spec_json, created_at) VALUES (?, ?, ?, ?)')
      .run(programId, spec.kind, JSON.stringify(spec), at);
    return Number(r.lastInsertRowid);
  }

  updateLink(id: number, spec: LinkSpec, kernelId: number | undefined, pin: string | undefined): void {
    this.#db
      .prepare('UPDATE manager_links SET spec_json = ?, kernel_id = ?, pin = ? WHERE id = ?')
      .run(JSON.stringify(spec), kernelId ?? null, pin ?? null, id);
  }

  deleteLink(id: number): void {
    this.#db.prepare('DELETE FROM manager_links WHERE id = ?').run(id);
  }

  deleteProgram(id: number): void {
    this.#db.prepare('DELETE FROM manager_programs WHERE id = ?').run(id);
  }

  deleteObject(id: number): void {
    this.#db.prepare('DELETE FROM manager_objects WHERE id = ?').run(id);
  }

  objects(): ObjectRecord[] {
    const rows = this.#db.prepare('SELECT * FROM manager_objects ORDER BY id').all() as Row[];
    const meta = this.#db.prepare('SELECT object_id, key, value FROM manager_object_metadata').all() as Row[];
    return rows.map((r) => ({
      id: num(r.id),
      name: str(r.name),
      path: str(r.path),
      sha256: str(r.sha256),
      programs: JSON.parse(str(r.programs_json)) as string[],
      globals: JSON.parse(str(r.globals_json)) as Record<string, string>,
      pinDir: str(r.pin_dir),
      loadedAt: num(r.loaded_at),
      metadata: Object.fromEntries(
        meta.filter((m) => num(m.object_id) === num(r.id)).map((m) => [str(m.key), str(m.value)]),
      ),
    }));
  }

  object(id: number): ObjectRecord | undefined {
    return this.objects().find((o) => o.id === id);
  }

  programs(): ProgramRecord[] {
    return (this.#db.prepare('SELECT * FROM manager_programs ORDER BY id').all() as Row[]).map(toProgram);
  }

  program(id: number): ProgramRecord | undefined {
    const r = this.#db.prepare('SELECT * FROM manager_programs WHERE id = ?').get(id) as Row | undefined;
    return r && toProgram(r);
  }

  maps(): MapRecord[] {
    return (this.#db.prepare('SELECT * FROM manager_maps ORDER BY id').all() as Row[]).map(toMap);
  }

  links(): LinkRecord[] {
    return (this.#db.prepare('SELECT * FROM manager_links ORDER BY id').all() as Row[]).map(toLink);
  }

  link(id: number): LinkRecord | undefined {
    const r = this.#db.prepare('SELECT * FROM manager_links WHERE id = ?').get(id) as Row | undefined;
    return r && toLink(r);
  }

  /** Everything reconcile compares with the kernel. */
  state(): ManagedState {
    return { objects: this.objects(), programs: this.programs(), maps: this.maps(), links: this.links() };
  }
}
