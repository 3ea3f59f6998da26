/** Attachments by program fd, one file per kind. */
export { attachCgroup, attachCgroupFd, type CgroupTarget, cgroupAttachType } from './cgroup.ts';
export { FdLink } from './fd-link.ts';
export { attachRawTracepoint, type RawTracepointTarget } from './raw-tracepoint.ts';
export { attachTc, detachTc, queryTc, type TcDirection, type TcFilter, type TcTarget } from './tc.ts';
export { attachTracepoint, parseTracepoint, type TracepointTarget } from './tracepoint.ts';
export { attachUprobe, parseUprobe, symbolOffset, type UprobeTarget } from './uprobe.ts';
export { attachXdp, type XdpTarget } from './xdp.ts';
