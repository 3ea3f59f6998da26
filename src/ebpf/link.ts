/** An attachment of a program to a hook. Destroying it detaches the program
 * unless the link is pinned in bpffs. */
import type { Handle, NativeBridge } from './bridge.ts';
import { checkZero } from './check.ts';

export type LinkKind = 'tracepoint' | 'raw_tracepoint' | 'auto' | 'xdp' | 'cgroup' | 'uprobe';

/** What holders of an attachment need, whether libbpf holds it (Link) or an fd does (FdLink). */
export interface Attachment {
  readonly kind: string;
  /** Human description of the hook. */
  readonly target: string;
  readonly attached: boolean;
  /** Detaches (unless pinned) and releases it. Idempotent. */
  destroy(): void;
}

export class Link implements Attachment {
  readonly kind: LinkKind;
  /** Human description of the hook, e.g. "sched/sched_process_exec". */
  readonly target: string;
  readonly program: string;
  readonly #bridge: NativeBridge;
  #handle: Handle | undefined;
  #pinnedAt: string | undefined;

  constructor(bridge: NativeBridge, handle: Handle, kind: LinkKind, program: string, target: string) {
    this.#bridge = bridge;
    this.#handle = handle;
    this.kind = kind;
    this.program = program;
    this.target = target;
  }

  get attached(): boolean {
    return this.#handle !== undefined;
  }

  get pinnedAt(): string | undefined {
    return this.#pinnedAt;
  }

  get fd(): number {
    return this.#bridge.linkFd(this.#need());
  }

  #need(): Handle {
    if (!this.#handle) throw new Error(`link ${this.program} -> ${this.target} is destroyed`);
    return this.#handle;
  }

  pin(path: string): void {
    checkZero(this.#bridge, this.#bridge.linkPin(this.#need(), path), `pin link ${this.program}`);
    this.#pinnedAt = path;
  }

  unpin(): void {
    checkZero(this.#bridge, this.#bridge.linkUnpin(this.#need()), `unpin link ${this.program}`);
    this.#pinnedAt = undefined;
  }

  /** Detaches (unless pinned) and releases the link. Idempotent. */
  destroy(): void {
    if (!this.#handle) return;
    const h = this.#handle;
    this.#handle = undefined;
    checkZero(this.#bridge, this.#bridge.linkDestroy(h), `detach ${this.program} from ${this.target}`);
  }
}
