/**
 * Reconcile, the execute: the one place reconcile actions touch the kernel,
 * bpffs and the store. Each action runs on its own; a failure is reported and
 * the rest still run.
 */
import { type Action, describeAction } from '../domain/manager/actions.ts';
import { OwnedFd } from '../ebpf/index.ts';
import { ManagerError } from './errors.ts';
import { loadAndPin } from './loader.ts';
import { ensureParent, unpin } from './pins.ts';
import { releaseLink, releaseLinkPin, releaseObjectPins } from './release.ts';
import type { ProgramManager } from './service.ts';

export interface ActionResult {
  readonly action: Action;
  readonly description: string;
  readonly ok: boolean;
  readonly error?: string;
}

export class Executor {
  readonly #m: ProgramManager;
  readonly #now: () => number;

  constructor(manager: ProgramManager, now: () => number = Date.now) {
    this.#m = manager;
    this.#now = now;
  }

  executeAll(actions: readonly Action[]): ActionResult[] {
    return actions.map((action) => {
      const description = describeAction(action);
      try {
        this.execute(action);
        return { action, description, ok: true };
      } catch (err) {
        return { action, description, ok: false, error: (err as Error).message };
      }
    });
  }

  #repin(kind: 'prog' | 'map' | 'link', kernelId: number, pin: string): void {
    const fd = OwnedFd.fromId(this.#m.bridge, kind, kernelId);
    try {
      ensureParent(pin);
      unpin(pin);
      fd.pin(pin);
    } finally {
      fd.close();
    }
  }

  execute(a: Action): void {
    const { bridge, store, root } = this.#m;
    switch (a.type) {
      case 'repin-program':
        this.#repin('prog', a.kernelId, a.pin);
        return;
      case 'repin-map':
        this.#repin('map', a.kernelId, a.pin);
        return;
      case 'repin-link':
        this.#repin('link', a.kernelId, a.pin);
        return;
      case 'update-program': {
        const info = bridge.infoById('prog', a.kernelId);
        if (typeof info === 'number')
          throw new ManagerError('MANAGER_NOT_FOUND', `program ${a.kernelId} vanished`);
        store.updateProgramKernel(a.programId, a.kernelId, info.tag);
        return;
      }
      case 'reload-object': {
        const o = store.object(a.objectId);
        if (!o) throw new ManagerError('MANAGER_NOT_FOUND', `object ${a.objectId} has no record`);
        // Whatever is left of the old load goes first; its links are re-attached by later actions.
        for (const l of store.links()) {
          const p = store.program(l.programId);
          if (p?.objectId === o.id && l.pin) releaseLinkPin(bridge, l.pin);
        }
        releaseObjectPins(root, o.id);
        const loaded = loadAndPin(
          bridge,
          { path: o.path, name: o.name, programs: o.programs, globals: o.globals },
          root,
          o.id,
        );
        store.transaction(() => {
          for (const p of store.programs().filter((x) => x.objectId === o.id)) {
            const n = loaded.programs.find((x) => x.name === p.name);
            if (n) store.updateProgramKernel(p.id, n.kernelId, n.tag);
          }
          for (const m of store.maps().filter((x) => x.objectId === o.id)) {
            const n = loaded.maps.find((x) => x.name === m.name);
            if (n) store.updateMapKernel(m.id, n.kernelId);
          }
          store.markObjectLoaded(o.id, this.#now());
        });
        return;
      }
      case 'forget-object': {
        for (const l of store.links()) {
          const p = store.program(l.programId);
          if (p?.objectId === a.objectId) releaseLink(bridge, l, root);
        }
        releaseObjectPins(root, a.objectId);
        store.transaction(() => store.deleteObject(a.objectId));
        return;
      }
      case 'reattach-link': {
        const l = this.#m.link(a.linkId);
        const p = store.program(l.programId);
        if (!p)
          throw new ManagerError('MANAGER_NOT_FOUND', `link ${l.id}: program ${l.programId} has no record`);
        releaseLink(bridge, l, root);
        store.transaction(() => this.#m.attachAs(l.id, p, l.spec));
        return;
      }
      case 'remove-stray-pin':
        releaseLinkPin(bridge, a.path);
        return;
      case 'report-drift':
        return;
    }
  }
}
