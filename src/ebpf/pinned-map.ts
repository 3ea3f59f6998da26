/** A map opened from its pin in bpffs, as the typed library's RawMap; the fd is ours to close. */
import type { NativeBridge } from './bridge.ts';
import { RawMap } from './map.ts';
import { OwnedFd } from './owned-fd.ts';

export class PinnedMap {
  readonly map: RawMap;
  readonly path: string;
  readonly #fd: OwnedFd;
  #open = true;

  private constructor(bridge: NativeBridge, fd: OwnedFd, path: string) {
    this.#fd = fd;
    this.path = path;
    this.map = new RawMap(bridge, { ...fd.info('map'), internal: false, fd: fd.fd }, () => this.#open);
  }

  static open(bridge: NativeBridge, path: string): PinnedMap {
    const fd = OwnedFd.fromPin(bridge, path);
    try {
      return new PinnedMap(bridge, fd, path);
    } catch (err) {
      fd.close();
      throw err;
    }
  }

  close(): void {
    this.#open = false;
    this.#fd.close();
  }
}
