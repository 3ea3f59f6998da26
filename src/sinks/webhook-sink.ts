/**
 * Alerts as an HTTP POST of JSON (undici). With a secret, the request is
 * signed: X-Bpfwarden-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">
 * with X-Bpfwarden-Timestamp: <unix seconds>, so a receiver can check both
 * origin and freshness. X-Bpfwarden-Delivery: <alert id> lets it drop the
 * duplicates at-least-once delivery may bring. Any 2xx is success.
 */
import { createHmac } from 'node:crypto';
import { request } from 'undici';
import type { Alert } from '../domain/rules/rule.ts';
import { alertPayload, type Sink } from './sink.ts';

export interface WebhookOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly secret?: string;
  readonly timeoutMs: number;
}

export function signBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookSink implements Sink {
  readonly type = 'webhook';
  readonly name: string;
  readonly #opts: WebhookOptions;

  constructor(name: string, opts: WebhookOptions) {
    this.name = name;
    this.#opts = opts;
  }

  async deliver(alert: Alert): Promise<void> {
    const body = JSON.stringify(alertPayload(alert));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      ...this.#opts.headers,
      'content-type': 'application/json',
      'user-agent': 'bpfwarden',
      'x-bpfwarden-delivery': String(alert.id),
      'x-bpfwarden-timestamp': timestamp,
    };
    if (this.#opts.secret) headers['x-bpfwarden-signature'] = signBody(this.#opts.secret, timestamp, body);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(this.#opts.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
        headersTimeout: this.#opts.timeoutMs,
        bodyTimeout: this.#opts.timeoutMs,
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT') {
        throw new Error(`timed out after ${this.#opts.timeoutMs} ms`);
      }
      throw new Error(`${e.code ? `${e.code}: ` : ''}${e.message}`);
    }
    // Drain the body so the connection is reused.
    const text = await res.body.text().catch(() => '');
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new Error(`HTTP ${res.statusCode}${text ? `: ${text.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`);
    }
  }
}
