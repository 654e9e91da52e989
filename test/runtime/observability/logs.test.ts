import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  ADMIN_TOKEN,
  DELIVERY_SECRET,
  STRIPE_SECRET,
  postWebhook,
  startDestination,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from '../support/harness';
import type { Runtime } from '../../../runtime/src/runtime';
import { captureLogs, observedConfig, startObserved, type CapturedLogs } from './support';

/**
 * A full run at log level `trace` (valid, forged and duplicate events, a failing
 * destination, dead letters, an alert, admin calls and a replay): the logs hold one line
 * per decision with key, source, kind and outcome, and no configured secret, no signature
 * and no card number anywhere.
 */
jest.setTimeout(60_000);

const dir = tempDir();
const ALERT_TOKEN = `alert-${randomUUID()}`;
const PAN = '4242424242424242';
let good: Destination;
let failing: Destination;
let alerts: Destination;
let runtime: Runtime;
let url: string;
let logs: CapturedLogs;

beforeAll(async () => {
  good = await startDestination();
  failing = await startDestination(() => 500);
  alerts = await startDestination();
  logs = captureLogs();
  const config = observedConfig({
    storage: `sqlite:${join(dir.path, 'logs.db')}`,
    destinationUrl: good.url,
    extraDestinations: { failing: failing.url },
    deadLetterUrl: good.url,
    retry: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 10 },
    alerts: { url: `${alerts.url}/${ALERT_TOKEN}`, refusedBurst: { count: 2, windowMs: 60_000 }, deadLetters: 1, failingDeliveries: 2 },
  });
  ({ runtime, url } = await startObserved(config, { logger: logs.logger }));
});

afterAll(async () => {
  await runtime.close();
  await Promise.all([good.close(), failing.close(), alerts.close()]);
  dir.remove();
});

/** A Stripe event whose payload carries a card number, as a careless integration might send. */
function eventWithCard(): string {
  const event = JSON.parse(stripeEventBody());
  event.data.object.metadata = { card_number: PAN };
  return JSON.stringify(event);
}

it('logs one line per decision and never a secret, a signature or card data', async () => {
  const sentSignatures: string[] = [];
  const post = async (body: string, headers: Record<string, string>) => {
    if (headers['stripe-signature']) sentSignatures.push(headers['stripe-signature']);
    return (await postWebhook(url, 'stripe', body, headers)).status;
  };
  const bodies = [eventWithCard(), eventWithCard()];
  for (const body of bodies) expect(await post(body, stripeSigned(body))).toBe(200);
  expect(await post(bodies[0], stripeSigned(bodies[0]))).toBe(200);
  const forged = eventWithCard();
  expect(await post(forged, stripeSigned(forged, 'whsec_forged_by_someone_else'))).toBe(401);
  expect(await post(forged.replace(PAN, '4000000000000002'), stripeSigned(forged))).toBe(401);

  const keys = bodies.map((body) => `stripe:${JSON.parse(body).id}`);
  await waitFor(() => keys.every((key) => good.accepted().get(key) === 1), 'deliveries to the good destination');
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  let open: Array<{ id: string; idempotencyKey: string }> = [];
  await waitFor(async () => {
    open = ((await (await fetch(`${url}/admin/dead-letters?status=open`, { headers: auth })).json()) as { deadLetters: Array<{ id: string; idempotencyKey: string }> }).deadLetters;
    return open.length === 2;
  }, 'two dead letters');
  expect((await fetch(`${url}/admin/dead-letters/${open[0].id}/replay`, { method: 'POST', headers: auth })).status).toBe(200);
  expect((await fetch(`${url}/admin/insights`, { headers: auth })).status).toBe(200);
  expect((await fetch(`${url}/admin/insights`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
  await waitFor(() => alerts.received.length >= 2, 'the alerts');
  await runtime.observability!.alerter!.settle();

  // The replayed event fails at `failing` once more: a second retry and dead letter for its key.
  const replayed = open[0].idempotencyKey;
  await waitFor(() => logs.lines().filter((line) => line.outcome === 'dead_letter' && line.eventKey === replayed).length === 2, 'the replay to fail again');

  const text = logs.text();
  const lines = logs.lines();
  // One line per decision: stored, duplicate, delivered, retried, dead-lettered, refused.
  const decision = (outcome: string, key?: string) =>
    lines.filter((line) => line.outcome === outcome && (key === undefined || line.eventKey === key));
  for (const key of keys) {
    expect(decision('accepted', key)).toEqual([expect.objectContaining({ source: 'stripe', kind: 'payment.succeeded' })]);
    expect(decision('delivered', key).filter((line) => line.destination === 'n8n')).toEqual([
      expect.objectContaining({ source: 'stripe', kind: 'payment.succeeded' }),
    ]);
    const failures = Array.from({ length: key === replayed ? 2 : 1 }, () =>
      expect.objectContaining({ destination: 'failing', source: 'stripe', kind: 'payment.succeeded' }),
    );
    expect(decision('retry', key)).toEqual(failures);
    expect(decision('dead_letter', key)).toEqual(failures);
    // A dead letter's line says why, without the record.
    for (const line of decision('dead_letter', key)) expect(line).toMatchObject({ attempt: 2, httpStatus: 500, error: expect.stringContaining('500') });
  }
  expect(decision('duplicate', keys[0])).toHaveLength(1);
  expect(decision('refused').map((line) => line.reason)).toEqual(['signature_mismatch', 'signature_mismatch']);
  expect(lines.filter((line) => line.msg === 'alert sent').length).toBeGreaterThanOrEqual(2);

  // Nothing secret, in any form it could take.
  const deliveryKey = DELIVERY_SECRET.slice('whsec_'.length);
  const forbidden = [
    STRIPE_SECRET,
    STRIPE_SECRET.slice('whsec_'.length),
    'whsec_forged_by_someone_else',
    DELIVERY_SECRET,
    deliveryKey,
    Buffer.from(deliveryKey, 'base64').toString('hex'),
    ADMIN_TOKEN,
    ALERT_TOKEN,
    PAN,
    ...sentSignatures,
    ...sentSignatures.map((header) => /v1=([0-9a-f]+)/.exec(header)![1]),
    ...[...good.received, ...failing.received].map((delivery) => String(delivery.headers['webhook-signature'])),
    ...[...good.received, ...failing.received].map((delivery) => String(delivery.headers['webhook-signature']).slice('v1,'.length)),
  ];
  expect(forbidden.length).toBeGreaterThan(15);
  for (const secret of forbidden) expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
  expect(text.length).toBeGreaterThan(1000);
});
