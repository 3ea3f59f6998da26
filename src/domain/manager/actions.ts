/**
 * Effects of a reconcile, as data. The compute returns them; one executor
 * (src/manager/executor.ts) performs them in order; --dry-run prints them.
 */

export type Action =
  /** The program lives (links hold it) but its pin is gone: pin it again by id. */
  | {
      readonly type: 'repin-program';
      readonly programId: number;
      readonly kernelId: number;
      readonly pin: string;
    }
  /** A map of a live program lost its pin: pin it again by id. */
  | { readonly type: 'repin-map'; readonly mapId: number; readonly kernelId: number; readonly pin: string }
  /** The pin now holds another program than recorded: record the new id. */
  | { readonly type: 'update-program'; readonly programId: number; readonly kernelId: number }
  /** Programs gone from the kernel (reboot, removed by someone else): load the object again and re-pin. */
  | {
      readonly type: 'reload-object';
      readonly objectId: number;
      readonly path: string;
      readonly reason: string;
    }
  /** Gone and cannot come back (object file missing or changed): drop the records and leftover pins. */
  | { readonly type: 'forget-object'; readonly objectId: number; readonly reason: string }
  /** The link lives (an fd holds it) but lost its pin. */
  | { readonly type: 'repin-link'; readonly linkId: number; readonly kernelId: number; readonly pin: string }
  /** The link is gone, detached, or runs a stale program: attach it again (replacing what is left). */
  | { readonly type: 'reattach-link'; readonly linkId: number; readonly reason: string }
  /** A pin under the manager's root that no record names (e.g. its row was deleted): remove it. */
  | { readonly type: 'remove-stray-pin'; readonly path: string; readonly reason: string }
  /** Drift the manager cannot repair; reported only. */
  | { readonly type: 'report-drift'; readonly subject: string; readonly message: string };

export type ActionType = Action['type'];

/** One line per action, for --dry-run and logs. */
export function describeAction(a: Action): string {
  switch (a.type) {
    case 'repin-program':
      return `repin program ${a.programId} (kernel id ${a.kernelId}) at ${a.pin}`;
    case 'repin-map':
      return `repin map ${a.mapId} (kernel id ${a.kernelId}) at ${a.pin}`;
    case 'update-program':
      return `update program ${a.programId}: its pin now holds kernel id ${a.kernelId}`;
    case 'reload-object':
      return `reload object ${a.objectId} from ${a.path}: ${a.reason}`;
    case 'forget-object':
      return `forget object ${a.objectId}: ${a.reason}`;
    case 'repin-link':
      return `repin link ${a.linkId} (kernel id ${a.kernelId}) at ${a.pin}`;
    case 'reattach-link':
      return `reattach link ${a.linkId}: ${a.reason}`;
    case 'remove-stray-pin':
      return `remove stray pin ${a.path}: ${a.reason}`;
    case 'report-drift':
      return `drift: ${a.subject}: ${a.message}`;
  }
}
