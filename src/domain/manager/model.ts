/**
 * What the program manager keeps about the objects it loaded (the store's
 * records) and what it observes in the kernel and bpffs. Pure data: the
 * reconcile compute works on these only.
 */

/** How a link attaches; persisted as JSON, enough to attach it again after a reboot. */
export type LinkSpec =
  | { readonly kind: 'tracepoint'; readonly category: string; readonly name: string }
  | { readonly kind: 'raw_tracepoint'; readonly name: string }
  | { readonly kind: 'xdp'; readonly iface: string; readonly mode: 'auto' | 'skb' | 'drv' }
  | {
      readonly kind: 'tc';
      readonly iface: string;
      readonly direction: 'ingress' | 'egress';
      /** As the kernel assigned them at the first attach; reused when re-attaching. */
      readonly priority: number;
      readonly handle: number;
    }
  | { readonly kind: 'cgroup'; readonly path: string; readonly attachType: string }
  | {
      readonly kind: 'uprobe';
      readonly binary: string;
      readonly symbol: string;
      readonly pid?: number;
      readonly retprobe: boolean;
    };

export type LinkKind = LinkSpec['kind'];

export interface ManagedObject {
  readonly id: number;
  readonly name: string;
  /** Absolute path the object was loaded from; reloaded from there after a reboot. */
  readonly path: string;
  readonly sha256: string;
}

export interface ManagedProgram {
  readonly id: number;
  readonly objectId: number;
  readonly name: string;
  readonly kernelId: number;
  readonly tag: string;
  readonly pin: string;
}

export interface ManagedMap {
  readonly id: number;
  readonly objectId: number;
  readonly name: string;
  readonly kernelId: number;
  readonly pin: string;
}

export interface ManagedLink {
  readonly id: number;
  readonly programId: number;
  readonly spec: LinkSpec;
  /** bpf_link id; undefined for tc filters, which are not links. */
  readonly kernelId: number | undefined;
  /** Link pin; undefined for tc filters. */
  readonly pin: string | undefined;
}

export interface ManagedState {
  readonly objects: readonly ManagedObject[];
  readonly programs: readonly ManagedProgram[];
  readonly maps: readonly ManagedMap[];
  readonly links: readonly ManagedLink[];
}

export type PinKind = 'prog' | 'map' | 'link' | 'unknown';

export interface ObservedPin {
  readonly kind: PinKind;
  /** Kernel id of the pinned object; 0 when it could not be read. */
  readonly id: number;
}

export interface ObservedTc {
  readonly ifaceExists: boolean;
  /** Program the filter runs; undefined when there is no such filter. */
  readonly progId: number | undefined;
}

export type ObjectFileState = 'ok' | 'missing' | 'changed';

export interface Observation {
  /** Every pin under the manager's bpffs root, by path. */
  readonly pins: ReadonlyMap<string, ObservedPin>;
  /** Kernel programs by id. */
  readonly programs: ReadonlyMap<number, { readonly name: string; readonly tag: string }>;
  /** Kernel maps by id. */
  readonly maps: ReadonlyMap<number, { readonly name: string }>;
  /** Kernel links by id; detached: cut from its hook (e.g. bpftool link detach) but still held. */
  readonly links: ReadonlyMap<number, { readonly progId: number; readonly detached: boolean }>;
  /** The tc filter of each stored tc link, by link id. */
  readonly tc: ReadonlyMap<number, ObservedTc>;
  /** The object file of each stored object, by object id. */
  readonly objectFiles: ReadonlyMap<number, ObjectFileState>;
}
