/** Email delivery to a real local SMTP server (smtp-server) with STARTTLS and AUTH. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import type { Alert } from '../../../src/domain/rules/rule.ts';
import { EmailSink } from '../../../src/sinks/email-sink.ts';

const alert: Alert = {
  id: 7,
  timeUs: Date.now() * 1000,
  ruleId: 'shadow-read',
  severity: 'high',
  title: 'python3 opened /etc/shadow',
  details: { pid: 42, comm: 'python3', path: '/etc/shadow' },
  eventIds: [101],
  eventTypes: ['open'],
  dedupeKey: 'python3:/etc/shadow',
  tags: ['T1003.008'],
  suppressed: 0,
  ackedUs: null,
};

describe('email sink with a real SMTP server', () => {
  let server: SMTPServer;
  let port = 0;
  const mails: { user?: string; secure?: boolean; data: string }[] = [];

  before(async () => {
    server = new SMTPServer({
      authOptional: false,
      logger: false,
      onAuth: (auth, _s, cb) =>
        auth.username === 'bw' && auth.password === 'pw'
          ? cb(null, { user: 'bw' })
          : cb(new Error('bad credentials')),
      onData: (stream, session, cb) => {
        let data = '';
        stream.on('data', (c: Buffer) => {
          data += c.toString();
        });
        stream.on('end', () => {
          mails.push({
            data,
            ...(session.user ? { user: session.user } : {}),
            ...(session.secure !== undefined ? { secure: session.secure } : {}),
          });
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((r) => server.close(r));
  });

  const sink = (pass: string): EmailSink =>
    new EmailSink('mail', {
      host: '127.0.0.1',
      port,
      secure: false,
      starttls: 'required',
      auth: { user: 'bw', pass },
      from: 'bpfwarden@example.test',
      to: ['oncall@example.test'],
      timeoutMs: 5000,
      // smtp-server's built-in certificate is self-signed.
      tls: { rejectUnauthorized: false },
    });

  test('delivers over STARTTLS with AUTH', async () => {
    const s = sink('pw');
    await s.deliver(alert);
    s.close();
    assert.equal(mails.length, 1);
    const m = mails[0];
    assert.equal(m?.user, 'bw');
    assert.equal(m?.secure, true, 'the session was upgraded with STARTTLS');
    assert.match(m?.data ?? '', /Subject: \[bpfwarden high\] python3 opened \/etc\/shadow/);
    assert.match(m?.data ?? '', /Rule:\s+shadow-read/);
    assert.match(m?.data ?? '', /X-Bpfwarden-Alert: 7/);
  });

  test('wrong credentials fail the delivery with the reason', async () => {
    const s = sink('wrong');
    await assert.rejects(s.deliver(alert), /auth|credentials|535/i);
    s.close();
  });
});
