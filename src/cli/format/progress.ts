/**
 * A one-line progress indicator on stderr for work that can take more than a
 * second: a spinner with a label, or a bar when the total is known. Shown
 * only on a terminal (never in pipes, logs or with --json, whose stdout must
 * stay machine-readable), coloured only as useColor allows (NO_COLOR), and
 * erased before the command prints its result.
 *
 * Synchronous work (SQLite, the BPF verifier) blocks the event loop, so the
 * line is redrawn on every update() as well as by the timer: a step label
 * stays visible during a long synchronous step even though the spinner
 * cannot turn.
 */
import { useColor } from './color.ts';
import { sanitize } from './table.ts';

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): unknown;
}

export interface ProgressOptions {
  /** Where to draw; default process.stderr. */
  readonly stream?: ProgressStream;
  readonly env?: NodeJS.ProcessEnv;
  /** The command prints JSON: stay silent. */
  readonly json?: boolean;
  /** Spinner frame period. */
  readonly intervalMs?: number;
  /** Least time between two redraws caused by update() with the same label. */
  readonly throttleMs?: number;
  readonly now?: () => number;
}

export interface Progress {
  /** Whether anything is drawn (a terminal, not --json). */
  readonly visible: boolean;
  /** A new label, and optionally how far along: drawn at once. */
  update(label: string, done?: number, total?: number): void;
  /** Erases the line; later updates are ignored. */
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 20;
const CLEAR = '\r\x1b[K';

/** Whether a progress line may be drawn on this stream. */
export function progressVisible(stream: ProgressStream, env: NodeJS.ProcessEnv, json = false): boolean {
  // A dumb terminal cannot erase the line it drew.
  return !json && stream.isTTY === true && env.TERM !== 'dumb';
}

function bar(done: number, total: number): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`;
}

const SILENT: Progress = { visible: false, update: () => {}, stop: () => {} };

export function startProgress(label: string, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const env = opts.env ?? process.env;
  if (!progressVisible(stream, env, opts.json)) return SILENT;
  const color = useColor(stream, env);
  const now = opts.now ?? Date.now;
  const throttleMs = opts.throttleMs ?? 50;
  let text = sanitize(label);
  let counts = '';
  let frame = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let stopped = false;

  const draw = (): void => {
    const f = FRAMES[frame % FRAMES.length] ?? '';
    frame++;
    let line = `${f} ${text}${counts ? ` ${counts}` : ''}`;
    // Never wrap: a wrapped line cannot be erased with a carriage return.
    // A pseudo-terminal without a size reports 0 columns.
    const width = Math.max(20, stream.columns || 80) - 1;
    const chars = [...line];
    if (chars.length > width) line = `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
    stream.write(`${CLEAR}${color ? `\x1b[36m${f}\x1b[39m${line.slice(f.length)}` : line}`);
    lastDraw = now();
  };

  const timer = setInterval(draw, opts.intervalMs ?? 100);
  timer.unref();
  draw();
  return {
    visible: true,
    update(next, done, total) {
      if (stopped) return;
      const nextText = sanitize(next);
      const nextCounts = done === undefined ? '' : total === undefined ? String(done) : bar(done, total);
      const changed = nextText !== text;
      text = nextText;
      counts = nextCounts;
      if (changed || now() - lastDraw >= throttleMs) draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write(CLEAR);
    },
  };
}

/** Runs fn with a progress line, erased when fn returns or throws. */
export async function withProgress<T>(
  label: string,
  opts: ProgressOptions,
  fn: (p: Progress) => T | Promise<T>,
): Promise<T> {
  const p = startProgress(label, opts);
  try {
    return await fn(p);
  } finally {
    p.stop();
  }
}
