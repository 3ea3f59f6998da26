/** Reads a server-sent events stream over a Unix socket until a condition holds (or 5 s pass). */
import assert from 'node:assert/strict';
import { Agent as Dispatcher, request } from 'undici';

export interface SseMessage {
  readonly id: string;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

export async function readSse(
  socket: string,
  path: string,
  until: (msgs: readonly SseMessage[]) => boolean,
  during: () => void,
  headers: Record<string, string> = {},
  timeoutMs = 5000,
): Promise<SseMessage[]> {
  const dispatcher = new Dispatcher({ connect: { socketPath: socket } });
  const ac = new AbortController();
  const res = await request(`http://agent${path}`, { dispatcher, signal: ac.signal, headers });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /text\/event-stream/);
  const msgs: SseMessage[] = [];
  let buf = '';
  during();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    for await (const chunk of res.body) {
      buf += String(chunk);
      let i = buf.indexOf('\n\n');
      while (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((l) => !l.startsWith(':') && l.includes(': '))
            .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
        );
        if (fields.data) {
          msgs.push({ id: fields.id ?? '', event: fields.event ?? '', data: JSON.parse(fields.data) });
        }
        i = buf.indexOf('\n\n');
      }
      if (until(msgs)) break;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
    await dispatcher.close().catch(() => undefined);
  }
  return msgs;
}
