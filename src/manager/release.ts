/** Taking managed things out of the kernel: links (detach + unpin, or tc filter delete) and objects. */
import { existsSync, rmSync } from 'node:fs';
import type { LinkSpec } from '../domain/manager/model.ts';
import type { NativeBridge } from '../ebpf/index.ts';
import { FdLink } from '../ebpf/links/index.ts';
import { removeTc } from './attach.ts';
import { objectDir, pruneEmptyDirs, unpin } from './pins.ts';

/** Detaches a link and removes its pin. Missing pieces are fine: the goal is "not attached". */
export function releaseLink(
  bridge: NativeBridge,
  l: { spec: LinkSpec; pin: string | undefined },
  root: string,
): void {
  if (l.spec.kind === 'tc') {
    removeTc(bridge, l.spec);
    return;
  }
  if (l.pin === undefined) return;
  releaseLinkPin(bridge, l.pin);
  pruneEmptyDirs(l.pin.slice(0, l.pin.lastIndexOf('/')), root);
}

/** Detaches the link pinned at path even if other fds hold it, then unpins it. */
export function releaseLinkPin(bridge: NativeBridge, path: string): void {
  if (!existsSync(path)) return;
  try {
    const link = FdLink.fromPin(bridge, path);
    try {
      link.detach();
    } catch {
      // perf event links (tracepoint, uprobe) cannot be detached: the unpin below releases them.
    } finally {
      link.close();
    }
  } catch {
    // Not a link (or unreadable): removing the pin is all there is to do.
  }
  unpin(path);
}

/** Removes every pin of an object (programs, maps): the kernel frees what nothing else holds. */
export function releaseObjectPins(root: string, objectId: number): void {
  const dir = objectDir(root, objectId);
  rmSync(dir, { recursive: true, force: true });
  pruneEmptyDirs(dir, root);
}
