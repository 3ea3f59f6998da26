/**
 * A bpf_link held by fd: attached while an fd or a pin holds it. Pin it to
 * make it outlive the process; detach() cuts it from its hook even while pins
 * and fds remain (the link object then stays, defunct, until released).
 */
import type { NativeBridge, NativeKernelLink } from '../bridge.ts';
import { check, checkZero } from '../check.ts';
import type { Attachment } from '../link.ts';
import { OwnedFd } from '../owned-fd.ts';

export class FdLink implements Attachment {
  readonly kind: string;
  readonly target: string;
  readonly #bridge: NativeBridge;
  readonly #fd: OwnedFd;
  #closed = false;

  constructor(bridge: NativeBridge, fd: number, kind: string, target: string) {
    this.#bridge = bridge;
    this.#fd = new OwnedFd(bridge, fd);
    this.kind = kind;
    this.target = target;
  }

  /** Wraps the result of a bridge attach call (an fd or -errno). */
  static from(bridge: NativeBridge, r: number, kind: string, target: string): FdLink {
    return new FdLink(bridge, check(bridge, r, `attach ${kind} ${target}`), kind, target);
  }

  /** Opens a pinned link. */
  static fromPin(bridge: NativeBridge, path: string): FdLink {
    const fd = OwnedFd.fromPin(bridge, path);
    return new FdLink(bridge, fd.fd, 'pinned', path);
  }

  get fd(): number {
    return this.#fd.fd;
  }

  info(): NativeKernelLink {
    return this.#fd.info('link');
  }

  get id(): number {
    return this.info().id;
  }

  pin(path: string): void {
    this.#fd.pin(path);
  }

  detach(): void {
    checkZero(this.#bridge, this.#bridge.linkDetach(this.fd), `detach ${this.kind} link ${this.target}`);
  }

  /** While this fd is held (after close() the link lives on only through pins or other fds). */
  get attached(): boolean {
    return !this.#closed;
  }

  /** Releases this fd; the link stays attached only if pinned (or held elsewhere). */
  close(): void {
    this.#closed = true;
    this.#fd.close();
  }

  destroy(): void {
    this.close();
  }
}
