/**
 * Docs and comments name only files that exist: every project path written
 * in README.md, docs/ and the sources' text (src/, bench/, scripts/, bpf/,
 * native/) must be there, so a move or a rename cannot leave a pointer to
 * nothing behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '../../..');
// Not inside a longer path (build/bpf/vmlinux.h is generated, not bpf/vmlinux.h).
const PATH =
  /(?<![\w/.-])(?:src|bpf|native|bench|test|scripts|docs|proto)\/[A-Za-z0-9_./-]+\.(?:ts|c|h|md|sh|proto|yaml)\b/g;

function tracked(): string[] {
  return execFileSync('git', ['ls-files', 'README.md', 'docs', 'src', 'bench', 'scripts', 'bpf', 'native'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => /\.(?:md|ts|c|h|sh|mjs)$/.test(f) && !f.startsWith('src/api/grpc/gen/'));
}

test('every project path named in docs and sources exists', () => {
  const missing: string[] = [];
  for (const file of tracked()) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      // System headers (<bpf/bpf_helpers.h>) are not project paths.
      if (/#\s*include\s*</.test(line)) return;
      for (const m of line.matchAll(PATH)) {
        const p = m[0].replace(/\.$/, '');
        // native/binding.gyp names its sources relative to native/.
        if (existsSync(join(ROOT, p)) || (file.startsWith('native/') && existsSync(join(ROOT, 'native', p))))
          continue;
        missing.push(`${file}:${i + 1}: ${p}`);
      }
    });
  }
  assert.deepEqual(missing, [], `paths that do not exist:\n${missing.join('\n')}`);
});
