import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../../src/agent/config.ts';
import { AgentError } from '../../../../src/domain/agent-error.ts';
import {
  encodeFileConfig,
  encodeFilePrefix,
  pathPrefixesProblems,
  pathPrefixProblem,
} from '../../../../src/families/file/filter.ts';
import {
  FILE_CONFIG,
  FILE_PREFIX,
  FILE_PREFIX_LEN,
  FILE_PREFIX_MAX,
} from '../../../../src/families/file/layout.ts';

const P = FILE_PREFIX.fields;

describe('file filter map values', () => {
  it('a prefix is its length then its bytes, zero-padded to the field', () => {
    const b = encodeFilePrefix('/etc/');
    assert.equal(b.length, FILE_PREFIX.size);
    const v = new DataView(b.buffer);
    assert.equal(v.getUint32(P.len.offset, true), 5);
    assert.equal(v.getUint32(P._pad.offset, true), 0);
    assert.deepEqual([...b.subarray(P.bytes.offset, P.bytes.offset + 6)], [...Buffer.from('/etc/\0')]);
    assert.ok(b.subarray(P.bytes.offset + 5).every((x) => x === 0));
  });

  it('counts UTF-8 bytes, not characters', () => {
    const b = encodeFilePrefix('/tmp/é');
    assert.equal(new DataView(b.buffer).getUint32(P.len.offset, true), 7);
  });

  it('takes the longest prefix the kernel compares (63 bytes) and refuses 64', () => {
    const max = `/${'a'.repeat(FILE_PREFIX_LEN - 2)}`;
    assert.equal(new DataView(encodeFilePrefix(max).buffer).getUint32(0, true), 63);
    assert.throws(() => encodeFilePrefix(`${max}a`), RangeError);
  });

  it('the config holds both counts', () => {
    const v = new DataView(encodeFileConfig(3, 7).buffer);
    assert.equal(FILE_CONFIG.size, 8);
    assert.equal(v.getUint32(FILE_CONFIG.fields.prefix_count.offset, true), 3);
    assert.equal(v.getUint32(FILE_CONFIG.fields.cgroup_count.offset, true), 7);
  });
});

describe('path prefix validation', () => {
  it('says exactly what is wrong', () => {
    assert.equal(pathPrefixProblem('/var/log'), undefined);
    assert.equal(pathPrefixProblem('/'), undefined);
    assert.equal(pathPrefixProblem('etc'), 'must be an absolute path (start with /)');
    assert.equal(pathPrefixProblem(''), 'must be an absolute path (start with /)');
    assert.equal(pathPrefixProblem('/a\0b'), 'must not contain a NUL character');
    assert.equal(
      pathPrefixProblem(`/${'x'.repeat(70)}`),
      'must be under 64 bytes (the kernel compares at most 63); this one is 71',
    );
  });

  it('a list: at most 16, each named by index', () => {
    const many = Array.from({ length: FILE_PREFIX_MAX + 1 }, (_, i) => `/p${i}`);
    assert.deepEqual(pathPrefixesProblems(many), [
      'at most 16 path prefixes (the kernel filter has 16 slots), got 17',
    ]);
    assert.deepEqual(pathPrefixesProblems(['/ok', 'rel']), [
      'path prefix 1 ("rel") must be an absolute path (start with /)',
    ]);
    assert.deepEqual(pathPrefixesProblems([]), []);
  });
});

describe('monitors.file configuration', () => {
  it('defaults: enabled, 8 MiB ring, no prefixes, excludes itself, every cgroup', () => {
    const c = parseConfig({});
    assert.deepEqual(c.monitors.file, {
      enabled: true,
      ringBufferBytes: 8 << 20,
      pathPrefixes: [],
      excludeSelf: true,
    });
  });

  it('accepts prefixes and cgroup ids', () => {
    const c = parseConfig({ monitors: { file: { pathPrefixes: ['/etc/', '/home/'], cgroupIds: [42] } } });
    assert.deepEqual(c.monitors.file.pathPrefixes, ['/etc/', '/home/']);
    assert.deepEqual(c.monitors.file.cgroupIds, [42]);
  });

  const rejects = (file: unknown, message: string): void => {
    assert.throws(
      () => parseConfig({ monitors: { file } }, 'test.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof AgentError);
        assert.equal(err.code, 'AGENT_CONFIG');
        assert.ok(err.message.includes(message), err.message);
        return true;
      },
    );
  };

  it('names the key and the problem for bad prefixes', () => {
    rejects(
      { pathPrefixes: ['/ok', 'relative/'] },
      'test.yaml: monitors.file.pathPrefixes.1: must be an absolute path (start with /) (got "relative/")',
    );
    rejects(
      { pathPrefixes: [`/${'y'.repeat(64)}`] },
      'monitors.file.pathPrefixes.0: must be under 64 bytes (the kernel compares at most 63); this one is 65',
    );
    rejects(
      { pathPrefixes: Array.from({ length: 17 }, (_, i) => `/p${i}`) },
      'monitors.file.pathPrefixes: at most 16 path prefixes (the kernel filter has 16 slots)',
    );
  });

  it('rejects bad cgroup ids, ring sizes and unknown keys', () => {
    rejects({ cgroupIds: [0] }, 'monitors.file.cgroupIds.0');
    rejects({ cgroupIds: [1.5] }, 'monitors.file.cgroupIds.0');
    rejects({ ringBufferBytes: 3000 }, 'monitors.file.ringBufferBytes');
    rejects({ prefixes: ['/etc'] }, 'unknown key monitors.file.prefixes');
  });
});
