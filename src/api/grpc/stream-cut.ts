/**
 * What a gRPC stream shares between calls and how one is cut. grpc-js gives
 * a server stream no public way to abort: ending it queues the status behind
 * every message the client has not read, so a call that does not drain is
 * reset at the HTTP/2 layer instead (RST_STREAM ENHANCE_YOUR_CALM, which
 * clients report as RESOURCE_EXHAUSTED), reached through grpc-js's call
 * chain. The kernel test of non-reading streams pins that this still works
 * with the installed grpc-js.
 */
import { constants } from 'node:http2';

/** f memoised per argument object: every call on a feed gets the same rows, so each is converted once. */
export function once<A extends object, R>(f: (a: A) => R): (a: A) => R {
  const seen = new WeakMap<A, R>();
  return (a) => {
    if (seen.has(a)) return seen.get(a) as R;
    const r = f(a);
    seen.set(a, r);
    return r;
  };
}

interface Method {
  readonly responseSerialize: (value: never) => Buffer;
}

/** The service with each response encoded once per message object, however many calls send it. */
export function sharedEncoding<S extends Record<string, Method>>(service: S): S {
  const out: Record<string, Method> = {};
  for (const [name, m] of Object.entries(service)) {
    const encode = m.responseSerialize as (value: unknown) => Buffer;
    const bytes = once((v: object) => encode(v));
    out[name] = {
      ...m,
      responseSerialize: ((v: unknown) =>
        typeof v === 'object' && v !== null ? bytes(v) : encode(v)) as Method['responseSerialize'],
    };
  }
  return out as S;
}

interface Http2Resettable {
  close(code: number): void;
}

/** The call's HTTP/2 stream: grpc-js keeps it on the innermost of its intercepting calls. */
function http2StreamOf(call: object): Http2Resettable | undefined {
  let c: unknown = (call as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && typeof c === 'object' && c !== null; depth++) {
    const s = (c as { stream?: { rstCode?: unknown; close?: unknown } }).stream;
    if (typeof s === 'object' && s !== null && 'rstCode' in s && typeof s.close === 'function') {
      return s as Http2Resettable;
    }
    c = (c as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/** Drops a server stream now: its queued messages are discarded, the client sees RESOURCE_EXHAUSTED. */
export function resetCall(call: { destroy(): unknown }): boolean {
  const stream = http2StreamOf(call);
  stream?.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
  call.destroy();
  return stream !== undefined;
}

/** An ended call whose status is still queued: reset it if it has not gone out within ms. */
export function resetUnlessFinished(
  call: { destroy(): unknown; once(event: 'finish' | 'close', listener: () => void): unknown },
  ms: number,
): void {
  const timer = setTimeout(() => resetCall(call), ms).unref();
  const done = (): void => clearTimeout(timer);
  call.once('finish', done);
  call.once('close', done);
}
