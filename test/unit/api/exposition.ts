/** A parser for the Prometheus text exposition format (0.0.4), for tests. */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly type: string;
  readonly help: string;
  readonly samples: Sample[];
}

export type Exposition = Map<string, Family>;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const m = LABEL.exec(text);
    if (!m || m.index !== start) throw new Error(`bad labels in: ${line}`);
    out[m[1]!] = unescapeLabel(m[2]!);
  }
  return out;
}

function parseValue(v: string, line: string): number {
  // Prometheus reads floats as Go's ParseFloat does: NaN and Inf in any case.
  const lower = v.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  const n = Number(v);
  if (Number.isNaN(n)) throw new Error(`bad value in: ${line}`);
  return n;
}

/** Parses every line; throws on anything that is not valid exposition text. */
export function parseExposition(text: string): Exposition {
  const families: Exposition = new Map();
  let current: { name: string; family: Family } | undefined;
  const familyFor = (sampleName: string): Family => {
    if (
      current &&
      (sampleName === current.name || /^(.*)_(bucket|sum|count)$/.exec(sampleName)?.[1] === current.name)
    ) {
      return current.family;
    }
    throw new Error(`sample ${sampleName} outside its family (no # TYPE before it)`);
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!name || !type) throw new Error(`bad TYPE line: ${line}`);
      const helpLine = text.split('\n').find((l) => l.startsWith(`# HELP ${name} `));
      const family = { type, help: helpLine?.slice(8 + name.length) ?? '', samples: [] };
      if (families.has(name)) throw new Error(`family ${name} declared twice`);
      families.set(name, family);
      current = { name, family };
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const name = m[1]!;
    familyFor(name).samples.push({
      name,
      labels: m[2] ? parseLabels(m[2], line) : {},
      value: parseValue(m[3]!, line),
    });
  }
  return families;
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** The value of the sample with exactly this name and label set, if present. */
export function sample(
  m: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  for (const f of m.values()) {
    for (const s of f.samples) if (s.name === name && sameLabels(s.labels, labels)) return s.value;
  }
  return undefined;
}
