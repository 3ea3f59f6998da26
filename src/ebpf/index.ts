/** bpfwarden's eBPF library: typed access to libbpf, knowing nothing of the agent. */
export type { NativeBridge } from './bridge.ts';
export { bytes, type Codec, cstring, u32, u64, u64n } from './codec.ts';
export { BpfError, errnoName } from './errors.ts';
export { Kernel, type Support } from './kernel.ts';
export { type KernelLink, type KernelMap, KernelObjects, type KernelProgram } from './kernel-objects.ts';
export { type Attachment, Link, type LinkKind } from './link.ts';
export { BpfMap, RawMap, sumPerCpu } from './map.ts';
export { nativeBridge } from './native.ts';
export { interfaceIndex, xdpProgramIds } from './netdev.ts';
export { BpfObject, BpfObjectSpec, type BtfStruct } from './object.ts';
export { OwnedFd } from './owned-fd.ts';
export { Program } from './program.ts';
export { forEachRecord, type RecordBatch, RingBuffer, type RingStats } from './ringbuf.ts';
export { Helper, MapType, ProgType, UpdateFlags } from './types.ts';
