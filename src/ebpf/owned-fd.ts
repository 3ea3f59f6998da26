/** A file descriptor the bridge handed out (program, map or link), closed exactly once. */
import type { KernelInfo, KernelObjectKind, NativeBridge } from './bridge.ts';
import { check, checkZero } from './check.ts';

export class OwnedFd {
  readonly #bridge: NativeBridge;
  #fd: number;

  constructor(bridge: NativeBridge, fd: number) {
    this.#bridge = bridge;
    this.#fd = fd;
  }

  get fd(): number {
    if (this.#fd < 0) throw new Error('file descriptor already closed');
    return this.#fd;
  }

  info<K extends KernelObjectKind>(kind: K): KernelInfo[K] {
    return check(this.#bridge, this.#bridge.infoByFd(kind, this.fd), `read ${kind} info`);
  }

  /** Pins the object at path in bpffs: it then outlives every fd. */
  pin(path: string): void {
    checkZero(this.#bridge, this.#bridge.objPin(this.fd, path), `pin at ${path}`);
  }

  close(): void {
    if (this.#fd < 0) return;
    this.#bridge.fdClose(this.#fd);
    this.#fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Opens the object pinned at path. */
  static fromPin(bridge: NativeBridge, path: string): OwnedFd {
    return new OwnedFd(bridge, check(bridge, bridge.objGet(path), `open pin ${path}`));
  }

  /** Opens a kernel object by id (needs CAP_SYS_ADMIN). */
  static fromId(bridge: NativeBridge, kind: KernelObjectKind, id: number): OwnedFd {
    return new OwnedFd(bridge, check(bridge, bridge.fdById(kind, id), `open ${kind} ${id}`));
  }
}
