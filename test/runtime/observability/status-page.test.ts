import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import {
  ADMIN_TOKEN,
  postWebhook,
  startDestination,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from '../support/harness';
import type { Runtime } from '../../../runtime/src/runtime';
import { CHROMIUM_ARGS, chromiumPath } from './chromium';
import { observedConfig, startObserved } from './support';

/**
 * The status page in real headless Chromium (Debian's, driven by playwright-core): after
 * some traffic it draws the throughput charts and lists the dead letters read-only; with
 * the admin token typed in, it loads the insights charts and a Replay click delivers the
 * event. A screenshot is saved under test-results/.
 */
jest.setTimeout(90_000);

const SCREENSHOTS = resolve(__dirname, '..', '..', '..', 'test-results');

const dir = tempDir();
let destinationUp = false;
let good: Destination;
let flaky: Destination;
let runtime: Runtime;
let url: string;
let browser: Browser;

beforeAll(async () => {
  const executablePath = chromiumPath(); // first, so a missing Chromium is the only failure reported
  good = await startDestination();
  flaky = await startDestination(() => (destinationUp ? 200 : 500));
  const config = observedConfig({
    storage: `sqlite:${join(dir.path, 'status.db')}`,
    destinationUrl: good.url,
    extraDestinations: { crm: flaky.url },
    retry: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 10 },
  });
  ({ runtime, url } = await startObserved(config));
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await runtime?.close();
  await good?.close();
  await flaky?.close();
  dir.remove();
});

it('draws the charts and the dead letters, and replays one with the admin token', async () => {
  const bodies = [stripeEventBody(), stripeEventBody(), stripeEventBody()];
  for (const body of bodies) expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
  const forged = stripeEventBody();
  expect((await postWebhook(url, 'stripe', forged, stripeSigned(forged, 'whsec_forged'))).status).toBe(401);
  const keys = bodies.map((body) => `stripe:${JSON.parse(body).id}`);
  await waitFor(async () => (await runtime.observability!.metrics.scrape()).body.includes('payment_webhooks_dead_letters_open 3'), 'three dead letters');
  await waitFor(() => keys.every((key) => good.accepted().get(key) === 1), 'the deliveries to n8n');

  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${url}/`);
  await page.waitForSelector('body[data-loaded="true"]');

  // Throughput: one chart for the source, with bars for the accepted and refused requests.
  expect(await page.locator('#throughput .chart h3').allTextContents()).toEqual(['stripe']);
  const barTitles = await page.locator('#throughput svg rect.mc-bar title').allTextContents();
  const total = (series: string) =>
    barTitles.filter((title) => title.startsWith(`${series} `)).reduce((sum, title) => sum + Number(/: (\d+)$/.exec(title)![1]), 0);
  expect(barTitles).toHaveLength(120); // 60 minutes × (accepted, refused)
  expect(total('accepted')).toBe(3);
  expect(total('refused')).toBe(1);
  // Destinations: the good one healthy, crm failing.
  const cells = await Promise.all(
    (await page.locator('#destinations tbody tr').all()).map(async (tr) => (await tr.locator('td').allTextContents()).slice(0, 5)),
  );
  expect(cells).toEqual([
    ['n8n', 'healthy', '3', '0', '0'],
    ['crm', 'failing', '0', '6', '6'],
  ]);
  // Dead letters: three, read-only without the token.
  const rows = page.locator('#dead-letters tbody tr[data-id]');
  expect(await rows.count()).toBe(3);
  expect(await page.locator('#dead-letters tbody button:disabled').count()).toBe(3);
  expect(await page.locator('#dead-letters tbody').textContent()).toContain('the destination answered HTTP 500');

  // The operator types the token: insights load and the Replay buttons come alive.
  await page.fill('#token', ADMIN_TOKEN);
  await page.press('#token', 'Enter');
  await page.locator('#token').blur();
  await page.waitForSelector('#insights .chart svg');
  expect(await page.locator('#insights-status').textContent()).toMatch(/^3 events from /);
  expect(await page.locator('#insights .chart h3').allTextContents()).toEqual(
    expect.arrayContaining(['Payment failure rate by gateway', 'Cancellations by hour of day (UTC)', 'Fulfilment vs dead letters by payment method']),
  );
  await page.waitForSelector('#dead-letters tbody button:enabled');

  destinationUp = true;
  const id = await rows.first().getAttribute('data-id');
  const record = (await runtime['storage']!.deadLetters.get(id!))!;
  await page.click(`#dead-letters tbody tr[data-id="${id}"] button`);
  await page.locator('#replay-status', { hasText: `Replayed ${id}` }).waitFor();
  await waitFor(() => flaky.accepted().get(record.idempotencyKey) === 1, 'the replayed event delivered to crm');
  expect(keys).toContain(record.idempotencyKey);
  await waitFor(async () => (await rows.count()) === 2, 'the replayed dead letter to leave the list');

  mkdirSync(SCREENSHOTS, { recursive: true });
  const screenshot = join(SCREENSHOTS, 'status-page.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  expect(statSync(screenshot).size).toBeGreaterThan(10_000);
  expect(errors).toEqual([]);
});
