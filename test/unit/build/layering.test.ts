/**
 * The layering rules in biome.json (noRestrictedImports per folder) really
 * fire: probe files importing upward are refused, and their allowed
 * neighbours (a same-named folder of the pure core) are not. Without this a
 * broken pattern or a disabled rule would let upward imports in silently.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../../src/host/paths.ts';

const root = projectRoot();
const tag = `zz-layering-probe-${process.pid}`;

/** [file under src, specifier, refused?] */
const PROBES: readonly (readonly [string, string, boolean])[] = [
  ['domain/P.ts', '../agent/errors.ts', true],
  ['domain/enforce/policy/P.ts', '../../../agent/errors.ts', true],
  ['domain/rules/P.ts', '../../enforce/firewall/service.ts', true],
  ['store/P.ts', '../enforce/firewall/service.ts', true],
  ['host/P.ts', '../store/database.ts', true],
  ['ebpf/links/P.ts', '../../host/paths.ts', true],
  ['api/http/routes/P.ts', '../../../agent/errors.ts', true],
  ['agent/P.ts', '../cli/main.ts', true],
  // Allowed: the pure core's own enforce/ and manager/, and any lower layer.
  ['domain/rules/P.ts', '../enforce/firewall/rule.ts', false],
  ['domain/enforce/policy/P.ts', '../../enforce/firewall/rule.ts', false],
  ['store/P.ts', '../domain/enforce/firewall/rule.ts', false],
  ['enforce/firewall/P.ts', '../../store/database.ts', false],
];

test('an upward import fails the lint; a lower or same-named pure-core import does not', (t) => {
  const files = PROBES.map(([at, spec], i) => {
    const rel = join('src', at.replace('P.ts', `${tag}-${i}.ts`));
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), `import type { X } from '${spec}';\n\nexport type Y = X;\n`);
    return rel;
  });
  t.after(() => {
    for (const f of files) rmSync(join(root, f), { force: true });
  });
  const r = spawnSync(join(root, 'node_modules/.bin/biome'), ['lint', '--max-diagnostics=none', ...files], {
    cwd: root,
    encoding: 'utf8',
  });
  const out = `${r.stdout}${r.stderr}`;
  assert.notEqual(r.status, 0, 'biome lint must fail on the probes');
  PROBES.forEach(([at, spec, refused], i) => {
    const flagged = new RegExp(`${files[i]}:\\d+:\\d+ lint/style/noRestrictedImports`).test(out);
    assert.equal(
      flagged,
      refused,
      `src/${at} importing ${spec}: ${refused ? 'not refused' : 'refused'}\n${out}`,
    );
  });
  assert.match(
    out,
    /Layering: src\/domain may not import src\/\{ebpf,host,store,sinks,enforce,api,manager,agent,cli\}/,
  );
});

test('every src/domain file is at a depth biome.json has an override for', () => {
  // The domain patterns are anchored per depth (biome.json): a deeper file would go unchecked.
  const deepest = readdirSync(join(root, 'src/domain'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .reduce((m, f) => Math.max(m, f.split('/').length), 0);
  assert.ok(deepest >= 1 && deepest <= 5, `a file ${deepest} levels deep in src/domain: add an override`);
});
