import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeXml, niceTicks, renderChart, tickLabel } from '../../../bench/lib/svg-chart.ts';

test('ticks are round and cover the range', () => {
  assert.deepEqual(niceTicks(0, 54), [0, 20, 40, 60]);
  assert.deepEqual(niceTicks(1, 2), [1, 1.2, 1.4, 1.6, 1.8, 2]);
  assert.deepEqual(niceTicks(3, 3), [3]);
  assert.equal(tickLabel(400_000), '400k');
  assert.equal(tickLabel(2_500_000), '2.5M');
  assert.equal(tickLabel(0.25), '0.25');
});

test('a chart is one SVG document with a polyline per series and escaped text', () => {
  const svg = renderChart(
    [
      {
        title: 'loss <%>',
        xLabel: 'rate',
        yLabel: 'loss %',
        logX: true,
        series: [
          {
            name: 'agent & co',
            color: '#d62728',
            points: [
              { x: 10_000, y: 0 },
              { x: 400_000, y: 50 },
            ],
          },
          {
            name: 'ref',
            color: '#1f77b4',
            points: [
              { x: 10_000, y: 0 },
              { x: 100_000, y: Number.NaN },
            ],
          },
        ],
      },
      { title: 'empty', xLabel: 'x', yLabel: 'y', series: [] },
    ],
    { title: 'bench' },
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.equal(svg.match(/<polyline /g)?.length, 2);
  assert.match(svg, /loss &lt;%&gt;/);
  assert.match(svg, /agent &amp; co/);
  assert.doesNotMatch(svg, /NaN/, 'missing points are left out, not drawn at NaN');
  assert.equal(svg.match(/<g class="panel">/g)?.length, 2);
  assert.equal(escapeXml('"a"'), '&quot;a&quot;');
});
