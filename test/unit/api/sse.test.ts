import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlertFeed, EventFeed } from '../../../src/api/feed/index.ts';
import { insertAlerts } from '../../../src/store/alerts-store.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { readSse, type SseMessage } from '../../support/sse.ts';
import { execEvent, exitEvent, T0_US } from '../store/fixtures.ts';
import { startTestApi, type TestApi } from './support.ts';

const collect = (
  api: TestApi,
  path: string,
  until: (msgs: readonly SseMessage[]) => boolean,
  during: () => void,
  headers: Record<string, string> = {},
): Promise<SseMessage[]> => readSse(api.listeners.socket as string, path, until, during, headers);

function feeds(dbPath: string): { events: EventFeed; alerts: AlertFeed } {
  return {
    events: new EventFeed({ database: dbPath, pollMs: 20 }),
    alerts: new AlertFeed({ database: dbPath, pollMs: 20 }),
  };
}

test('events stream: new committed events matching the filter, with ids to resume from', async (t) => {
  const api = await startTestApi(t, (dbPath) => ({ feeds: feeds(dbPath) }));
  const w = new EventWriter(api.db);
  w.enqueue([execEvent({ pid: 1 })]);
  w.flush(); // before the stream: not sent (streams start from now)
  const msgs = await collect(
    api,
    '/api/v1/events/stream?type=exec',
    (m) => m.length >= 2,
    () =>
      setTimeout(() => {
        w.enqueue([
          execEvent({ pid: 10, timeUs: T0_US + 10 }),
          exitEvent({ pid: 11 }),
          execEvent({ pid: 12 }),
        ]);
        w.flush();
      }, 100),
  );
  assert.deepEqual(
    msgs.map((m) => [m.event, m.data.type, m.data.pid]),
    [
      ['event', 'exec', 10],
      ['event', 'exec', 12],
    ],
  );
  assert.equal(msgs[0]?.id, String(msgs[0]?.data.id));
  // Resume after the first: the second comes again (Last-Event-ID).
  const again = await collect(
    api,
    '/api/v1/events/stream?type=exec',
    (m) => m.length >= 1,
    () => {},
    {
      'last-event-id': msgs[0]?.id ?? '',
    },
  );
  assert.equal(again[0]?.data.pid, 12);
  const bad = await api.get('/api/v1/events/stream?type=nope');
  assert.equal(bad.status, 400);
});

test('alerts stream: only alerts at or above the severity', async (t) => {
  const api = await startTestApi(t, (dbPath) => ({ feeds: feeds(dbPath) }));
  const draft = (severity: 'low' | 'high', key: string) => ({
    draft: {
      timeUs: Date.now() * 1000,
      ruleId: 'r',
      severity,
      title: `t-${key}`,
      details: {},
      eventIds: [],
      eventTypes: [],
      dedupeKey: key,
      tags: [],
    },
    sinks: [],
    throttleMs: 0,
  });
  const msgs = await collect(
    api,
    '/api/v1/alerts/stream?severity=high',
    (m) => m.length >= 1,
    () =>
      setTimeout(() => insertAlerts(api.db, [draft('low', 'a'), draft('high', 'b')], Date.now() * 1000), 100),
  );
  assert.deepEqual(
    msgs.map((m) => [m.event, m.data.title]),
    [['alert', 't-b']],
  );
});
