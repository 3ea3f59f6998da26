/**
 * Line charts as standalone SVG text: one or more panels side by side, each
 * with its own axes and series, sharing a legend. No dependencies: the
 * report needs a few polylines, ticks and labels, not a charting library.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly Point[];
}

export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Logarithmic x axis (all x must be > 0). */
  readonly logX?: boolean;
  /** Include this y in the axis range (e.g. 0, or 1 for a ratio). */
  readonly yInclude?: readonly number[];
  /** Where to put x ticks (default: round values). */
  readonly xTicks?: readonly number[];
}

export interface ChartOptions {
  readonly title: string;
  readonly panelWidth?: number;
  readonly panelHeight?: number;
  /** One line under the title (what was measured, where). */
  readonly subtitle?: string;
}

const MARGIN = { left: 64, right: 20, top: 36, bottom: 48 };

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values; the first is <= lo and the last >= hi. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** Powers of ten and their 2x and 5x within [lo, hi], for a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const f of [1, 2, 5]) {
      const v = f * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

/** Short tick label: 10k, 2.5M, 0.5. */
export function tickLabel(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (abs >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

function panelSvg(p: Panel, ox: number, w: number, h: number): string {
  const pts = p.series.flatMap((s) => s.points).filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y));
  const xs = pts.map((q) => q.x).filter((x) => !p.logX || x > 0);
  const ys = [...pts.map((q) => q.y), ...(p.yInclude ?? [])];
  let xLo = xs.length ? Math.min(...xs) : 1;
  let xHi = xs.length ? Math.max(...xs) : 10;
  if (xHi === xLo) [xLo, xHi] = p.logX ? [xLo / 2, xHi * 2] : [xLo - 1, xHi + 1];
  let yLo = ys.length ? Math.min(...ys) : 0;
  let yHi = ys.length ? Math.max(...ys) : 1;
  if (yHi === yLo) yHi = yLo + 1;
  const yt = niceTicks(yLo, yHi);
  yLo = Math.min(yLo, yt[0]!);
  yHi = Math.max(yHi, yt.at(-1)!);
  const plotW = w - MARGIN.left - MARGIN.right;
  const plotH = h - MARGIN.top - MARGIN.bottom;
  const x0 = ox + MARGIN.left;
  const y0 = MARGIN.top + 28;
  const sx = (x: number): number =>
    p.logX
      ? x0 + ((Math.log10(x) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo))) * plotW
      : x0 + ((x - xLo) / (xHi - xLo)) * plotW;
  const sy = (y: number): number => y0 + plotH - ((y - yLo) / (yHi - yLo)) * plotH;
  const out: string[] = [];
  out.push(`<g class="panel">`);
  out.push(
    `<text x="${x0 + plotW / 2}" y="${y0 - 10}" text-anchor="middle" font-weight="bold">${escapeXml(p.title)}</text>`,
  );
  out.push(`<rect x="${x0}" y="${y0}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  for (const t of yt) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${x0}" x2="${x0 + plotW}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(
      `<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`,
    );
  }
  const xt =
    p.xTicks?.filter((t) => t >= xLo && t <= xHi) ?? (p.logX ? logTicks(xLo, xHi) : niceTicks(xLo, xHi));
  for (const t of xt) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${y0}" y2="${y0 + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${y0 + plotH + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  out.push(
    `<text x="${x0 + plotW / 2}" y="${y0 + plotH + 36}" text-anchor="middle">${escapeXml(p.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(${ox + 16},${y0 + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(p.yLabel)}</text>`,
  );
  for (const s of p.series) {
    const sp = s.points
      .filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y) && (!p.logX || q.x > 0))
      .sort((a, b) => a.x - b.x);
    if (sp.length === 0) continue;
    const coords = sp.map((q) => `${sx(q.x).toFixed(1)},${sy(q.y).toFixed(1)}`);
    out.push(
      `<polyline data-series="${escapeXml(s.name)}" fill="none" stroke="${s.color}" stroke-width="2" points="${coords.join(' ')}"/>`,
    );
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
    }
  }
  out.push('</g>');
  return out.join('\n');
}

/** Panels side by side with a shared legend (series names and colours of the first panel). */
export function renderChart(panels: readonly Panel[], opts: ChartOptions): string {
  const pw = opts.panelWidth ?? 460;
  const ph = opts.panelHeight ?? 320;
  const width = pw * Math.max(1, panels.length);
  const legend = panels[0]?.series ?? [];
  const height = ph + 28 + 24;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(opts.title)}</text>`,
  ];
  if (opts.subtitle)
    parts.push(
      `<text x="${width / 2}" y="38" text-anchor="middle" fill="#555">${escapeXml(opts.subtitle)}</text>`,
    );
  panels.forEach((p, i) => {
    parts.push(panelSvg(p, i * pw, pw, ph));
  });
  legend.forEach((s, i) => {
    const x = 24 + i * 150;
    const y = height - 12;
    parts.push(`<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="3"/>`);
    parts.push(`<text x="${x + 30}" y="${y}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
