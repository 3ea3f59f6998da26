/** CStringCache: the same strings as readCString, whatever the cache holds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readCString } from '../../../src/domain/decode/cstring.ts';
import { CStringCache, cachedStrings } from '../../../src/domain/decode/string-cache.ts';

const enc = new TextEncoder();

/** A field of `width` bytes holding s and a NUL (when it fits), then garbage. */
function field(s: string, width: number): Uint8Array {
  const b = new Uint8Array(width).fill(0x41);
  const bytes = enc.encode(s);
  b.set(bytes.subarray(0, width));
  if (bytes.length < width) b[bytes.length] = 0;
  return b;
}

describe('CStringCache', () => {
  it('reads what readCString reads, on misses, hits and colliding slots', () => {
    // Two slots: most strings share a slot with another, so evictions happen all the time.
    const cache = new CStringCache(2, 32);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('bash', 'cat', 'open_storm', ''), fc.string({ maxLength: 40 })), {
          minLength: 1,
          maxLength: 50,
        }),
        fc.integer({ min: 1, max: 48 }),
        (strings, width) => {
          for (const s of strings) {
            const b = field(s, width);
            assert.equal(cache.read(b, 0, width), readCString(b, 0, width));
          }
        },
      ),
    );
  });

  it('a hit returns the string decoded before; equal bytes at another offset hit too', () => {
    const cache = new CStringCache(16, 16);
    const a = field('open_storm', 16);
    const first = cache.read(a, 0, 16);
    const b = new Uint8Array(40);
    b.set(a, 20);
    assert.equal(cache.read(b, 20, 16), first);
    assert.equal(cache.read(field('open_storx', 16), 0, 16), 'open_storx', 'one byte differs: not a hit');
  });

  it('strings longer than the slot width are decoded every time, still correctly', () => {
    const cache = new CStringCache(4, 8);
    const b = field('/a/rather/long/path', 64);
    assert.equal(cache.read(b, 0, 64), '/a/rather/long/path');
    assert.equal(cache.read(b, 0, 64), '/a/rather/long/path');
  });

  it('stops at the end of the buffer when there is no NUL', () => {
    const cache = new CStringCache(4, 16);
    const b = enc.encode('abcdef');
    assert.equal(cache.read(b, 2, 16), 'cdef');
  });

  it('refuses a slot count that is not a power of two', () => {
    assert.throws(() => new CStringCache(3, 16), RangeError);
  });

  it('cachedStrings reads UTF-8 paths and comms like readCString', () => {
    const r = cachedStrings();
    const p = field('/tmp/é/ü.txt', 64);
    assert.equal(r.path(p, 0, 64), '/tmp/é/ü.txt');
    assert.equal(r.path(p, 0, 64), '/tmp/é/ü.txt');
    assert.equal(r.comm(field('node', 16), 0, 16), 'node');
  });
});
