/** The one place kernel boot-clock time becomes wall-clock time. */
export class BootClock {
  /** CLOCK_REALTIME - CLOCK_BOOTTIME, in microseconds. */
  offsetUs: number;

  constructor(offsetNs: bigint) {
    this.offsetUs = Number(offsetNs / 1000n);
  }

  /** Re-measured offset (e.g. after an NTP step): later events use it. */
  update(offsetNs: bigint): void {
    this.offsetUs = Number(offsetNs / 1000n);
  }

  toWallUs(ktimeNs: number): number {
    return Math.floor(ktimeNs / 1000) + this.offsetUs;
  }
}
