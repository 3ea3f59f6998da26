/**
 * Decoders by monitor family, built from a plain, cloneable description so
 * the same decoder can run where the records are consumed: in the agent's
 * main thread or in the store worker.
 */

import { decodeDnsRecord } from '../../families/dns/decode.ts';
import { DnsEchoFilter } from '../../families/dns/echo.ts';
import { DnsQueryLinker } from '../../families/dns/link.ts';
import { decodeDropRecord } from '../../families/drop/decode.ts';
import type { DropReasonNames } from '../../families/drop/reasons.ts';
import { decodeFileRecord } from '../../families/file/decode.ts';
import { decodeNetRecord } from '../../families/net/decode.ts';
import { decodePolicyRecord } from '../../families/policy/decode.ts';
import { decodeProcessRecord } from '../../families/process/decode.ts';
import type { BootClock } from '../clock.ts';
import type { BpfEvent } from '../events.ts';
import { cachedStrings } from './string-cache.ts';

/** Decodes one record at [off, off+size) of a batch; null skips it silently. */
export type RecordDecoder = (
  bytes: Uint8Array,
  view: DataView,
  off: number,
  size: number,
) => BpfEvent | { readonly error: string } | null;

export type DecoderSpec =
  | { readonly family: 'process' }
  | { readonly family: 'file' }
  | { readonly family: 'net' }
  | { readonly family: 'drop'; readonly names: DropReasonNames }
  | { readonly family: 'dns' }
  | { readonly family: 'policy' };

/**
 * Decoder that also links DNS answers to the pid of their query, and skips
 * the arrival of a datagram already reported leaving a local socket (DNS
 * between network namespaces of this host: one record per datagram).
 */
export function linkingDnsDecoder(
  clock: BootClock,
  linker: DnsQueryLinker,
  echoes: DnsEchoFilter = new DnsEchoFilter(),
): RecordDecoder {
  return (bytes, view, off, size) => {
    const e = decodeDnsRecord(bytes, view, off, size, clock);
    if ('error' in e) return e;
    if (e.direction === 'egress') echoes.departed(bytes, off, e.ktimeNs);
    else if (echoes.isEcho(bytes, off, e.ktimeNs)) return null;
    if (e.type === 'dns_query') {
      // Only egress knows the sender: ingress queries (this host serving DNS) have no pid.
      if (e.direction === 'egress' && e.pid > 0) linker.query(e.dnsId, e.clientPort, e.pid, e.ktimeNs);
      return e;
    }
    return { ...e, queryPid: linker.answer(e.dnsId, e.clientPort, e.ktimeNs) };
  };
}

export function createDecoder(spec: DecoderSpec, clock: BootClock): RecordDecoder {
  switch (spec.family) {
    case 'process':
      return (b, v, off, size) => decodeProcessRecord(b, v, off, size, clock);
    case 'file': {
      // Storms repeat a few comms and paths: decoded once, then looked up.
      const strings = cachedStrings();
      return (b, v, off, size) => decodeFileRecord(b, v, off, size, clock, strings);
    }
    case 'net':
      return (b, v, off, size) => decodeNetRecord(b, v, off, size, clock);
    case 'drop': {
      const names = spec.names;
      return (b, v, off, size) => decodeDropRecord(b, v, off, size, clock, names);
    }
    case 'dns':
      return linkingDnsDecoder(clock, new DnsQueryLinker());
    case 'policy':
      return (b, v, off, size) => decodePolicyRecord(b, v, off, size, clock);
  }
}
