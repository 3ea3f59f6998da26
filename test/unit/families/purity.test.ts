/**
 * The store worker and the CLI load the family list for decoders, tables and
 * formatters; they must not load monitor code (the ebpf bridge, the ring
 * plumbing). Each check runs in a fresh process that records every module
 * resolved.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const src = new URL('../../../src/', import.meta.url).href;

/** The module URLs under src/ loaded by importing `entries`, then running `then` (a statement). */
function loaded(entries: readonly string[], then = ''): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); seen.add(r.url); return r; } });
    ${entries.map((e) => `await import(${JSON.stringify(src + e)});`).join('\n')}
    ${then}
    process.stdout.write(JSON.stringify([...seen]));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return (JSON.parse(out) as string[]).filter((u) => u.startsWith(src)).map((u) => u.slice(src.length));
}

const isMonitorCode = (path: string): boolean =>
  path.startsWith('ebpf/') ||
  /^families\/[a-z]+\/monitor\.ts$/.test(path) ||
  path.startsWith('agent/monitors/ring');

test('the family list, decoders, tables, formatters and config load no monitor code', () => {
  const paths = loaded([
    'families/index.ts',
    'families/decoder.ts',
    'families/events.ts',
    'store/tables/index.ts',
    'cli/format/event-row.ts',
    'agent/config.ts',
    'agent/ingest/batch-ingest.ts',
  ]);
  assert.ok(paths.includes('families/dns/decode.ts'), 'the decoders are loaded');
  assert.deepEqual(paths.filter(isMonitorCode), []);
});

test('a family loads its monitor only when asked', () => {
  const paths = loaded(
    ['families/index.ts'],
    `const { FAMILIES } = await import(${JSON.stringify(`${src}families/index.ts`)});
     await FAMILIES.find((f) => f.name === 'net').monitor();`,
  );
  assert.ok(paths.includes('families/net/monitor.ts'));
  assert.ok(
    paths.some((p) => p.startsWith('ebpf/')),
    'the monitor brings the ebpf bridge',
  );
  assert.ok(!paths.includes('families/dns/monitor.ts'), 'other families stay unloaded');
});
