/** Ids and counts in paths and query strings are decimal integers, as the CLI reads them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestApi } from './support.ts';

interface ErrorReply {
  error: { code: string; message: string; field?: string };
}

test('0x1, 1e3, 1.0 and " 7" are refused as ids and counts; decimals are read', async (t) => {
  const api = await startTestApi(t);
  for (const bad of ['0x1', '1e3', '1.0', '%207', '-1', '0', '99999999999999999999']) {
    const r = await api.get(`/api/v1/alerts/${bad}`);
    assert.equal(r.status, 400, `${bad}: ${r.text}`);
    const e = r.json<ErrorReply>().error;
    assert.match(`${e.field ?? ''} ${e.message}`, /id/, bad);
  }
  for (const bad of ['1e3', '0x10', '']) {
    const r = await api.get(`/api/v1/alerts?limit=${bad}`);
    assert.equal(r.status, 400, `limit=${bad}: ${r.text}`);
  }
  assert.equal((await api.get('/api/v1/alerts/12345')).status, 404);
  assert.equal((await api.get('/api/v1/alerts?limit=5')).status, 200);
});
