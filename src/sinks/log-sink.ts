/** Alerts as JSON lines on a stream (stdout by default). */
import type { Alert } from '../domain/rules/rule.ts';
import { alertPayload, type Sink } from './sink.ts';

export class LogSink implements Sink {
  readonly type = 'log';
  readonly name: string;
  readonly #out: NodeJS.WritableStream;

  constructor(name: string, out: NodeJS.WritableStream = process.stdout) {
    this.name = name;
    this.#out = out;
  }

  deliver(alert: Alert): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#out.write(`${JSON.stringify(alertPayload(alert))}\n`, (err) => (err ? reject(err) : resolve()));
    });
  }
}
