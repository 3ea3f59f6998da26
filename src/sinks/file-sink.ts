/**
 * Alerts as JSON lines in a file, rotated by size: alerts.jsonl ->
 * alerts.jsonl.1 -> ... -> alerts.jsonl.<keep>, the oldest dropped. Each
 * line is appended and fsynced before the delivery counts as done.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Alert } from '../domain/rules/rule.ts';
import { makeDirs } from '../host/make-dirs.ts';
import { alertPayload, type Sink } from './sink.ts';

export interface FileSinkOptions {
  readonly path: string;
  readonly maxBytes: number;
  readonly keep: number;
}

export class FileSink implements Sink {
  readonly type = 'file';
  readonly name: string;
  readonly #opts: FileSinkOptions;

  constructor(name: string, opts: FileSinkOptions) {
    this.name = name;
    this.#opts = opts;
  }

  async deliver(alert: Alert): Promise<void> {
    const line = `${JSON.stringify(alertPayload(alert))}\n`;
    const { path } = this.#opts;
    makeDirs(dirname(path), 0o700);
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      size = 0;
    }
    if (size > 0 && size + Buffer.byteLength(line) > this.#opts.maxBytes) this.#rotate();
    const fd = openSync(path, 'a', 0o600);
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  #rotate(): void {
    const { path, keep } = this.#opts;
    rmSync(`${path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      } catch {
        // a gap in the sequence: nothing to move
      }
    }
    if (keep >= 1) renameSync(path, `${path}.1`);
    else rmSync(path, { force: true });
  }
}
