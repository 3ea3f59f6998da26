/** Decodes process monitor records (exec, fork, exit) into events. */
import type { BootClock } from '../../domain/clock.ts';
import { readCString, readStringList } from '../../domain/decode/cstring.ts';
import { HEADER } from '../../domain/layout/header.ts';
import type { DecoderSpecOf, RecordDecoder } from '../family.ts';
import { decodeHeader, u64 } from '../header.ts';
import type { ProcessEvent } from './events.ts';
import { EventTypeId, EXEC, EXEC_ARGS_TRUNCATED, EXEC_FILENAME_TRUNCATED, EXIT, FORK } from './layout.ts';
import { decodeWaitStatus } from './wait-status.ts';

const H = HEADER.fields;
const E = EXEC.fields;
const F = FORK.fields;
const X = EXIT.fields;

export type DecodeResult = ProcessEvent | { readonly error: string };

export type ProcessDecoderSpec = DecoderSpecOf<'process'>;

export function processDecoder(_spec: ProcessDecoderSpec, clock: BootClock): RecordDecoder<ProcessEvent> {
  return (b, v, off, size) => decodeProcessRecord(b, v, off, size, clock);
}

/** Decodes one record at [off, off+size). Malformed records give an error, never a throw. */
export function decodeProcessRecord(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  size: number,
  clock: BootClock,
): DecodeResult {
  if (off < 0 || off + size > bytes.length) return { error: `record of ${size} bytes overruns its batch` };
  if (size < HEADER.size) return { error: `record of ${size} bytes is shorter than the header` };
  const typeId = v.getUint32(off + H.type.offset, true);
  switch (typeId) {
    case EventTypeId.exec: {
      if (size < EXEC.size) return { error: `exec record of ${size} bytes, expected ${EXEC.size}` };
      const flags = v.getUint32(off + E.flags.offset, true);
      const argsLen = Math.min(v.getUint32(off + E.args_len.offset, true), E.args.size);
      return {
        ...decodeHeader(bytes, v, off, 'exec', clock),
        type: 'exec',
        filename: readCString(bytes, off + E.filename.offset, E.filename.size),
        argv: readStringList(bytes, off + E.args.offset, argsLen),
        argc: v.getUint32(off + E.argc.offset, true),
        argsTruncated: (flags & EXEC_ARGS_TRUNCATED) !== 0,
        filenameTruncated: (flags & EXEC_FILENAME_TRUNCATED) !== 0,
        oldPid: v.getUint32(off + E.old_pid.offset, true),
      };
    }
    case EventTypeId.fork: {
      if (size < FORK.size) return { error: `fork record of ${size} bytes, expected ${FORK.size}` };
      return {
        ...decodeHeader(bytes, v, off, 'fork', clock),
        type: 'fork',
        childPid: v.getUint32(off + F.child_pid.offset, true),
      };
    }
    case EventTypeId.exit: {
      if (size < EXIT.size) return { error: `exit record of ${size} bytes, expected ${EXIT.size}` };
      return {
        ...decodeHeader(bytes, v, off, 'exit', clock),
        type: 'exit',
        ...decodeWaitStatus(v.getUint32(off + X.exit_status.offset, true)),
        lifetimeNs: u64(v, off + X.lifetime_ns.offset),
      };
    }
    default:
      return { error: `unknown process event type ${typeId}` };
  }
}
