import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  ADMIN_TOKEN,
  postWebhook,
  redisStorage,
  startDestination,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from '../support/harness';
import type { Runtime } from '../../../runtime/src/runtime';
import type { DeadLetterStatus } from '../../../core/deadletter/types';
import { CHROMIUM_ARGS, chromiumPath } from './chromium';
import { observedConfig, startObserved } from './support';

/**
 * Bulk replay on the status page, in real headless Chromium against a real runtime in both
 * storage modes. Six events are dead-lettered for real by a loopback destination: three
 * payment.succeeded answered 500, two payment.failed answered 500, one payment.succeeded
 * answered 404. The page refuses a wrong token, says when nothing matches and when the
 * runtime cannot be reached; then a filter (kind payment.succeeded, error "HTTP 500") counts
 * three in a dry run that replays nothing, and the confirmed replay delivers each of the
 * three exactly once while the other three stay dead-lettered. A screenshot of the page after
 * the replay is saved under test-results/.
 */
jest.setTimeout(180_000);

const SCREENSHOTS = resolve(__dirname, '..', '..', '..', 'test-results');

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

const paymentFailedBody = () => {
  const event = JSON.parse(stripeEventBody());
  event.type = 'payment_intent.payment_failed';
  event.data.object.status = 'requires_payment_method';
  return JSON.stringify(event);
};

const keyOf = (body: string) => `stripe:${JSON.parse(body).id}`;

describe.each([
  ['SQLite', (dir: string) => `sqlite:${join(dir, 'bulk.db')}`],
  ['Redis', () => redisStorage()],
])('status page bulk replay (%s storage)', (mode, storageFor) => {
  const dir = tempDir();
  let destination: Destination;
  let runtime: Runtime;
  let url: string;
  let accepting = false;
  /** What the destination answers each event until it starts accepting. */
  const refusal = new Map<string, number>();

  beforeAll(async () => {
    destination = await startDestination((_attempt, id) => (accepting ? 200 : (refusal.get(id) ?? 500)));
    const config = observedConfig({
      storage: storageFor(dir.path),
      destinationUrl: destination.url,
      retry: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 10 },
    });
    ({ runtime, url } = await startObserved(config));
  });

  afterAll(async () => {
    await runtime?.close();
    await destination?.close();
    dir.remove();
  });

  const statusOf = async (key: string): Promise<DeadLetterStatus | undefined> => {
    const records = await runtime['storage']!.deadLetters.list({});
    return records.find((record) => record.idempotencyKey === key)?.status;
  };

  async function count(page: Page, filter: { kind?: string; errorContains?: string }): Promise<string> {
    await page.fill('#bulk-replay input[name="kind"]', filter.kind ?? '');
    await page.fill('#bulk-replay input[name="errorContains"]', filter.errorContains ?? '');
    await page.locator('#bulk-status').evaluate((element) => element.removeAttribute('data-state'));
    await page.click('#bulk-count');
    await page.waitForSelector('#bulk-status:not([data-state="counting"])[data-state]');
    return (await page.locator('#bulk-status').textContent()) ?? '';
  }

  async function typeToken(page: Page, value: string): Promise<void> {
    await page.fill('#token', value);
    await page.locator('#token').blur();
  }

  it('counts a filtered set in a dry run, then replays it after confirmation, each event delivered once', async () => {
    const chosen = [stripeEventBody(), stripeEventBody(), stripeEventBody()];
    const otherKind = [paymentFailedBody(), paymentFailedBody()];
    const otherError = [stripeEventBody()];
    refusal.set(keyOf(otherError[0]), 404);
    for (const body of [...chosen, ...otherKind, ...otherError]) {
      expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
    }
    const chosenKeys = chosen.map(keyOf);
    const keptKeys = [...otherKind, ...otherError].map(keyOf);
    await waitFor(
      async () => (await runtime['storage']!.deadLetters.list({ status: 'open' })).length === 6,
      'six dead letters',
      60_000,
    );

    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}/`);
    await page.waitForSelector('body[data-loaded="true"]');
    expect(await page.locator('#dead-letters tbody tr[data-id]').count()).toBe(6);
    // The suggestions come from the listed dead letters.
    expect(await page.locator('#bulk-kinds option').evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value))).toEqual([
      'payment.failed',
      'payment.succeeded',
    ]);

    // No token, a wrong token, nothing matching, the runtime out of reach: each said plainly, nothing replayed.
    expect(await count(page, { kind: 'payment.succeeded' })).toBe('Type the admin token first.');
    await typeToken(page, 'not-the-admin-token');
    expect(await count(page, { kind: 'payment.succeeded' })).toBe('Count failed: the admin token was not accepted');
    await typeToken(page, ADMIN_TOKEN);
    expect(await count(page, { kind: 'payment.refunded' })).toBe('No open dead letters match this filter.');
    expect(await page.locator('#bulk-confirm').isHidden()).toBe(true);
    await page.route('**/admin/dead-letters/replay', (route) => route.abort('internetdisconnected'));
    expect(await count(page, { kind: 'payment.succeeded' })).toMatch(/^Count failed: the runtime could not be reached \(.+\)$/);
    await page.unroute('**/admin/dead-letters/replay');

    // The destination accepts from now on, so a dry run that replayed anything would show as a delivery.
    accepting = true;
    expect(await count(page, { kind: 'payment.succeeded', errorContains: 'HTTP 500' })).toBe(
      '3 dead letters match. Nothing is replayed until you confirm.',
    );
    expect(await page.locator('#bulk-confirm-replay').textContent()).toBe('Replay 3 dead letters');
    for (const key of [...chosenKeys, ...keptKeys]) expect(await statusOf(key)).toBe('open');
    expect(destination.accepted().size).toBe(0);

    // Changing the filter withdraws the confirmation; counting again brings it back.
    await page.fill('#bulk-replay input[name="kind"]', 'payment.failed');
    expect(await page.locator('#bulk-confirm').isHidden()).toBe(true);
    expect(await count(page, { kind: 'payment.succeeded', errorContains: 'HTTP 500' })).toMatch(/^3 dead letters match/);

    await page.click('#bulk-confirm-replay');
    await page.waitForSelector('#bulk-status[data-state="done"]', { timeout: 60_000 });
    // The failures' reasons ride along, so a failed replay says why.
    expect({ status: await page.locator('#bulk-status').textContent(), failures: await page.locator('#bulk-failures').textContent() }).toEqual({
      status: 'Done: 3 replayed, 0 failed, of 3 dead letters.',
      failures: '',
    });
    expect(await page.locator('#bulk-progress').evaluate((progress) => [(progress as unknown as { value: number }).value, (progress as unknown as { max: number }).max])).toEqual([3, 3]);
    expect(await page.locator('#bulk-failures li').count()).toBe(0);

    await waitFor(() => chosenKeys.every((key) => destination.accepted().get(key) === 1), 'the three replayed events delivered', 60_000);
    for (const key of chosenKeys) expect(await statusOf(key)).toBe('replayed');
    await waitFor(async () => (await page.locator('#dead-letters tbody tr[data-id]').count()) === 3, 'the page to list the three left', 30_000);

    // A second later still once each, and the events outside the filter neither delivered nor replayed.
    await new Promise((settle) => setTimeout(settle, 1_000));
    expect(chosenKeys.map((key) => destination.accepted().get(key))).toEqual([1, 1, 1]);
    expect(keptKeys.map((key) => destination.accepted().get(key))).toEqual([undefined, undefined, undefined]);
    for (const key of keptKeys) expect(await statusOf(key)).toBe('open');
    expect(errors).toEqual([]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `status-page-bulk-replay-${mode.toLowerCase()}.png`), fullPage: true });
    await page.close();
  });
});
