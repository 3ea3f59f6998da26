/** Sink objects from their configuration; secrets from the environment when named so. */

import { AgentError } from '../../domain/agent-error.ts';
import { EmailSink } from '../../sinks/email-sink.ts';
import { FileSink } from '../../sinks/file-sink.ts';
import { LogSink } from '../../sinks/log-sink.ts';
import type { Sink } from '../../sinks/sink.ts';
import { WebhookSink } from '../../sinks/webhook-sink.ts';
import type { SinkConfig } from './config.ts';

function fromEnv(name: string, what: string, env: NodeJS.ProcessEnv): string {
  const v = env[name];
  if (!v) throw new AgentError('AGENT_CONFIG', `${what}: environment variable ${name} is not set`);
  return v;
}

export function createSink(c: SinkConfig, env: NodeJS.ProcessEnv = process.env): Sink {
  switch (c.type) {
    case 'log':
      return new LogSink(c.name);
    case 'file':
      return new FileSink(c.name, { path: c.path, maxBytes: c.maxBytes, keep: c.keep });
    case 'webhook': {
      const secret = c.secretEnv ? fromEnv(c.secretEnv, `alerts sink ${c.name}`, env) : c.secret;
      return new WebhookSink(c.name, {
        url: c.url,
        headers: c.headers,
        timeoutMs: c.timeoutMs,
        ...(secret ? { secret } : {}),
      });
    }
    case 'email': {
      const auth = c.auth
        ? {
            user: c.auth.user,
            pass: c.auth.passEnv
              ? fromEnv(c.auth.passEnv, `alerts sink ${c.name}`, env)
              : (c.auth.pass ?? ''),
          }
        : undefined;
      return new EmailSink(c.name, {
        host: c.host,
        port: c.port,
        secure: c.secure,
        starttls: c.starttls,
        from: c.from,
        to: c.to,
        timeoutMs: c.timeoutMs,
        ...(auth ? { auth } : {}),
        ...(c.tls ? { tls: c.tls } : {}),
      });
    }
  }
}
