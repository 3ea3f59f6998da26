/**
 * Alerts by email over SMTP (nodemailer): implicit TLS (`secure`), or
 * STARTTLS required / opportunistic / off, and AUTH when configured.
 */
import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Alert } from '../domain/rules/rule.ts';
import { alertPayload, type Sink } from './sink.ts';

export interface EmailOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly starttls: 'required' | 'opportunistic' | 'off';
  readonly auth?: { readonly user: string; readonly pass: string };
  readonly from: string;
  readonly to: readonly string[];
  readonly timeoutMs: number;
  readonly tls?: { readonly rejectUnauthorized: boolean; readonly caFile?: string };
}

export class EmailSink implements Sink {
  readonly type = 'email';
  readonly name: string;
  readonly #opts: EmailOptions;
  readonly #transport: Transporter;

  constructor(name: string, opts: EmailOptions) {
    this.name = name;
    this.#opts = opts;
    this.#transport = nodemailer.createTransport({
      host: opts.host,
      port: opts.port,
      secure: opts.secure,
      requireTLS: !opts.secure && opts.starttls === 'required',
      ignoreTLS: !opts.secure && opts.starttls === 'off',
      ...(opts.auth ? { auth: { user: opts.auth.user, pass: opts.auth.pass } } : {}),
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
      tls: {
        rejectUnauthorized: opts.tls?.rejectUnauthorized ?? true,
        ...(opts.tls?.caFile ? { ca: readFileSync(opts.tls.caFile) } : {}),
      },
    });
  }

  async deliver(alert: Alert): Promise<void> {
    const p = alertPayload(alert);
    const text = [
      `${alert.severity.toUpperCase()}: ${alert.title}`,
      '',
      `Rule:     ${alert.ruleId}`,
      `Time:     ${p.time}`,
      `Tags:     ${alert.tags.join(', ') || '-'}`,
      `Events:   ${alert.eventIds.join(', ') || '-'}`,
      `Alert id: ${alert.id}`,
      '',
      JSON.stringify(alert.details, null, 2),
    ].join('\n');
    await this.#transport.sendMail({
      from: this.#opts.from,
      to: [...this.#opts.to],
      subject: `[bpfwarden ${alert.severity}] ${alert.title}`.replace(/[\r\n]+/g, ' ').slice(0, 200),
      text,
      headers: { 'X-Bpfwarden-Alert': String(alert.id) },
    });
  }

  close(): void {
    this.#transport.close();
  }
}
