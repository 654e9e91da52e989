import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Runtime } from '../../runtime/src/runtime';
import { postWebhook, startDestination, startRuntime, tempDir, waitFor, type Destination } from './support/harness';

/**
 * A gateway that signs nothing (Mollie's classic webhooks): each event is fetched from the
 * gateway's API before it counts. While that API is down the runtime answers 503, so the
 * gateway sends the event again, and stores nothing; a forged id is still a 401.
 */
jest.setTimeout(30_000);

const API_KEY = 'test_mollie_api_key';
const paid = readFileSync(join(__dirname, '..', 'fixtures', 'mollie', 'payment-paid.json'));
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const dir = tempDir();

let apiDown = true;
let api: Server;
let destination: Destination;
let runtime: Runtime;
let url: string;

beforeAll(async () => {
  api = createServer((request, response) => {
    if (apiDown) return void response.writeHead(503, { 'content-type': 'application/json' }).end('{"status":503}');
    const known = request.url === '/v2/payments/tr_fNAwjMs3WT' && request.headers.authorization === `Bearer ${API_KEY}`;
    response.writeHead(known ? 200 : 404, { 'content-type': 'application/json' }).end(known ? paid : '{"status":404}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const apiBaseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  destination = await startDestination();
  ({ runtime, url } = await startRuntime({
    storage: `sqlite:${join(dir.path, 'runtime.db')}`,
    destinationUrl: destination.url,
    sources: [{ name: 'mollie', provider: 'mollie', apiKey: API_KEY, apiBaseUrl }],
  }));
});

afterAll(async () => {
  await runtime.close();
  await destination.close();
  await new Promise<void>((resolve) => api.close(() => resolve()));
  dir.remove();
});

it('answers 503 with Retry-After while the API is down, stores nothing, and takes the retry once the API is back', async () => {
  const during = await fetch(`${url}/webhooks/mollie`, { method: 'POST', body: 'id=tr_fNAwjMs3WT', headers: form });
  expect(during.status).toBe(503);
  expect(during.headers.get('retry-after')).toBe('30');
  expect(await runtime.observability?.metrics.registry.getSingleMetricAsString('payment_webhooks_events_refused_total')).toContain('reason="confirm_unavailable"');

  apiDown = false;
  const retried = await postWebhook(url, 'mollie', 'id=tr_fNAwjMs3WT', form);
  expect(retried.status).toBe(200);
  // Not a duplicate: the refused attempt stored nothing.
  expect(JSON.parse(retried.body)).toEqual({ received: 1, duplicates: 0 });
  // The key is the payment and its status: the same payment paid later is another event.
  await waitFor(() => destination.byId().has('mollie:tr_fNAwjMs3WT:paid'), 'the delivery of the retried event');
  expect(destination.received).toHaveLength(1);
});

it('still refuses with 401 an id the API does not know', async () => {
  apiDown = false;
  const answer = await postWebhook(url, 'mollie', 'id=tr_forged00001', form);
  expect(answer.status).toBe(401);
  expect(JSON.parse(answer.body)).toMatchObject({ reason: 'confirm_failed' });
});
