/**
 * The native bridge's surface, typed. Every call returns its value or a
 * negative errno; details come from lastError() and takeLog(). The typed
 * library depends on this interface only, so tests can pass a fake.
 */

/** Opaque handle owned by the bridge. */
export type Handle = { readonly __handle: unique symbol };
/** A value or a negative errno. */
export type Result<T> = T | number;

export interface NativeProgramInfo {
  name: string;
  section: string;
  type: number;
  expectedAttachType: number;
  autoload: boolean;
  insnCount: number;
  fd: number;
}

export interface NativeMapInfo {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  internal: boolean;
  fd: number;
}

export interface NativeBtfMember {
  name: string;
  offset: number;
  bitOffset: number;
  bitSize: number;
  size: number;
}

export interface NativeRingStats {
  wakeups: number;
  records: number;
  bytes: number;
  batches: number;
  maxBatch: number;
  callbackErrors: number;
  /** Periodic drains (pollIntervalMs) that found records; absent from bridges without the timer. */
  timerDrains?: number;
}

export type RingCallback = (buffer: ArrayBuffer, length: number, count: number) => void;

export interface NativeBridge {
  takeLog(): string;
  lastError(): string;

  objOpen(source: string | Uint8Array, name?: string): Result<Handle>;
  objLoad(obj: Handle): number;
  objClose(obj: Handle): number;
  objPrograms(obj: Handle): Result<NativeProgramInfo[]>;
  objMaps(obj: Handle): Result<NativeMapInfo[]>;
  progSetAutoload(obj: Handle, prog: string, on: boolean): number;
  progFd(obj: Handle, prog: string): number;
  progPin(obj: Handle, prog: string, path: string): number;
  mapSetMaxEntries(obj: Handle, map: string, n: number): number;
  mapInitialValue(obj: Handle, map: string): Result<Uint8Array>;
  mapSetInitialValue(obj: Handle, map: string, value: Uint8Array): number;
  datasecVars(obj: Handle, section: string): Result<{ name: string; offset: number; size: number }[]>;
  btfStruct(obj: Handle, name: string): Result<{ size: number; members: NativeBtfMember[] }>;

  attachTracepoint(obj: Handle, prog: string, category: string, name: string): Result<Handle>;
  attachRawTracepoint(obj: Handle, prog: string, name: string): Result<Handle>;
  attachAuto(obj: Handle, prog: string): Result<Handle>;
  attachXdp(obj: Handle, prog: string, ifindex: number): Result<Handle>;
  attachUprobe(
    obj: Handle,
    prog: string,
    retprobe: boolean,
    pid: number,
    binary: string,
    offset: number,
  ): Result<Handle>;
  linkDestroy(link: Handle): number;
  linkDisconnect(link: Handle): number;
  linkPin(link: Handle, path: string): number;
  linkUnpin(link: Handle): number;
  linkFd(link: Handle): number;

  mapLookup(fd: number, key: Uint8Array, value: Uint8Array, flags?: number): number;
  mapUpdate(fd: number, key: Uint8Array, value: Uint8Array, flags?: number): number;
  mapDelete(fd: number, key: Uint8Array): number;
  mapNextKey(fd: number, key: Uint8Array | null, next: Uint8Array): number;
  mapLookupBatch(
    fd: number,
    inBatch: Uint8Array | null,
    outBatch: Uint8Array,
    keys: Uint8Array,
    values: Uint8Array,
    count: number,
  ): Result<[number, boolean]>;

  ringbufOpen(mapFd: number, cb: RingCallback, batchBytes?: number, pollIntervalMs?: number): Result<Handle>;
  ringbufConsume(rb: Handle): number;
  ringbufClose(rb: Handle): number;
  ringbufStats(rb: Handle): Result<NativeRingStats>;

  bootOffsetNs(): bigint;
  boottimeNs(): bigint;
  mountFs(source: string, target: string, fstype: string): number;
  setParentDeathSignal(signal: number): number;
  numPossibleCpus(): number;
  probeProgType(type: number): number;
  probeMapType(type: number): number;
  probeHelper(progType: number, helper: number): number;
  libbpfVersion(): string;
  kernelTracepointArgs(name: string): number;
  kernelEnum(name: string): Result<{ name: string; value: number }[]>;

  // Kernel-wide objects (native/src/kernel.c): enumeration, info, pins, fds.
  kernelIds(kind: KernelObjectKind): Result<number[]>;
  infoById<K extends KernelObjectKind>(kind: K, id: number): Result<KernelInfo[K]>;
  infoByFd<K extends KernelObjectKind>(kind: K, fd: number): Result<KernelInfo[K]>;
  fdById(kind: KernelObjectKind, id: number): number;
  objGet(path: string): number;
  objPin(fd: number, path: string): number;
  fdClose(fd: number): number;

  // Attachments by program fd (native/src/attach_fd.c): link fds, tc filters.
  linkCreate(progFd: number, targetFd: number, attachType: number, flags: number): number;
  rawTracepointOpen(progFd: number, name: string): number;
  tracepointLink(progFd: number, category: string, name: string): number;
  uprobeLink(progFd: number, binary: string, offset: number, pid: number, retprobe: boolean): number;
  elfSymbolOffset(path: string, symbol: string): number;
  linkDetach(linkFd: number): number;
  tcAttach(
    progFd: number,
    ifindex: number,
    ingress: boolean,
    priority: number,
    handle: number,
  ): Result<NativeTcFilter>;
  tcDetach(ifindex: number, ingress: boolean, priority: number, handle: number): number;
  tcQuery(ifindex: number, ingress: boolean, priority: number, handle: number): number;

  // Interfaces as the caller's network namespace sees them (native/src/net.c).
  ifNameToIndex(name: string): number;
  xdpQuery(ifindex: number): Result<NativeXdpQuery>;
}

export type KernelObjectKind = 'prog' | 'map' | 'link';

export interface NativeKernelProgram {
  id: number;
  name: string;
  type: number;
  tag: string;
  mapIds: number[];
  runTimeNs: number;
  runCount: number;
  /** Runs the kernel skipped because another BPF program was running on that CPU. */
  recursionMisses: number;
  loadTimeNs: number;
  uid: number;
  xlatedBytes: number;
  jitedBytes: number;
  btfId: number;
}

export interface NativeKernelMap {
  id: number;
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

export interface NativeKernelLink {
  id: number;
  type: number;
  progId: number;
  /** Raw tracepoint links, and perf event links on a tracepoint (its name, no category). */
  tracepoint?: string;
  /** Perf event links (kernel 6.6+): what the event is. */
  perfEvent?: 'tracepoint' | 'kprobe' | 'kretprobe' | 'uprobe' | 'uretprobe';
  /** Perf event links on a probe: the function (kprobe) or file (uprobe), and the offset. */
  probe?: string;
  probeOffset?: number;
  cgroupId?: number;
  attachType?: number;
  ifindex?: number;
  netnsIno?: number;
}

export interface KernelInfo {
  prog: NativeKernelProgram;
  map: NativeKernelMap;
  link: NativeKernelLink;
}

export interface NativeTcFilter {
  handle: number;
  priority: number;
  progId: number;
}

/** XDP programs on one interface (0: none in that mode). */
export interface NativeXdpQuery {
  progId: number;
  drvProgId: number;
  skbProgId: number;
  hwProgId: number;
  /** XDP_ATTACHED_*: 0 none, 1 drv, 2 skb, 3 hw, 4 several. */
  attachMode: number;
}

export function isErr<T>(r: Result<T>): r is number {
  return typeof r === 'number' && r < 0;
}
