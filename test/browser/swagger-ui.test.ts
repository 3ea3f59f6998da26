/**
 * Swagger UI in headless Chromium (Debian's chromium, driven by
 * playwright-core) against a real API listener on TCP with a token: the page
 * renders every operation group, and a screenshot is kept as evidence.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { projectRoot } from '../../src/host/paths.ts';
import { startTestApi } from '../unit/api/support.ts';

const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not installed (apt-get install chromium)`;
if (missing && process.env.BPFWARDEN_REQUIRE_KERNEL === '1') {
  throw new Error(`the browser test is required in CI but cannot run: ${missing}`);
}

test('Swagger UI shows the API operations', { skip: missing ?? false, timeout: 120_000 }, async (t) => {
  const token = 'swagger-ui-test-token-0123';
  const api = await startTestApi(t, {}, { tcp: { host: '127.0.0.1', port: 0, token } });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
    viewport: { width: 1280, height: 2400 },
  });
  const res = await page.goto(`${api.listeners.tcp}/docs/`);
  assert.equal(res?.status(), 200);
  await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
  const paths = await page.$$eval('.opblock-summary-path', (els) =>
    els.map((e) => e.textContent?.trim() ?? ''),
  );
  for (const p of [
    '/api/v1/events',
    '/api/v1/alerts/{id}/ack',
    '/api/v1/rules/{id}',
    '/api/v1/status',
    '/metrics',
  ]) {
    assert.ok(
      paths.some((x) => x.replace(/\u200b/g, '') === p),
      `${p} not shown; shown: ${paths.join(', ')}`,
    );
  }
  const title = await page.textContent('.info .title');
  assert.match(title ?? '', /bpfwarden API/);
  const dir = join(projectRoot(), 'build', 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const shot = join(dir, 'swagger-ui.png');
  await page.screenshot({ path: shot, fullPage: false });
  assert.ok(statSync(shot).size > 10_000, 'the screenshot has content');
});
