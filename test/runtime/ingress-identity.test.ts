import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook as SvixWebhook } from 'svix';
import { main } from '../../runtime/src/cli';
import type { Runtime } from '../../runtime/src/runtime';
import { fixtureBytes } from '../unit/providers/support/gateway-requests';
import {
  configObject,
  postWebhook,
  redisStorage,
  startDestination,
  startRuntime,
  STRIPE_SECRET,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from './support/harness';

/**
 * What an attacker holding one captured request, or another source's secret, can make of it
 * against a running runtime: nothing new. A resend with changed unsigned parts (headers, the
 * URL's query) is the same event, and a Standard Webhooks source cannot pose as Stripe.
 */
jest.setTimeout(30_000);

const SVIX_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const SHOPIFY_SECRET = 'shpss_identity_test_secret_0123456789';
const PARTNER_SECRET = 'whsec_a_second_stripe_account_secret';
const SOURCES = [
  { name: 'stripe', provider: 'stripe', secrets: [STRIPE_SECRET], toleranceSeconds: 300 },
  { name: 'stripe-partner', provider: 'stripe', secrets: [PARTNER_SECRET], toleranceSeconds: 300 },
  { name: 'svix', provider: 'standard-webhooks', secrets: [SVIX_SECRET] },
  { name: 'shop', provider: 'shopify', secrets: [SHOPIFY_SECRET] },
];

const modes = [
  ['sqlite', (dir: string) => `sqlite:${join(dir, 'runtime.db')}`],
  ['redis', () => redisStorage()],
] as const;

const dir = tempDir();
afterAll(() => dir.remove());

function deliveredEvents(destination: Destination): Array<{ idempotencyKey: string; provider: string; source?: string; kind: string; amount?: { minor: number } }> {
  return destination.received.map((received) => JSON.parse(received.body));
}

describe.each(modes)('event identity at ingress (%s storage)', (_mode, storage) => {
  let destination: Destination;
  let runtime: Runtime;
  let url: string;

  beforeAll(async () => {
    destination = await startDestination();
    ({ runtime, url } = await startRuntime({ storage: storage(dir.path), destinationUrl: destination.url, sources: SOURCES }));
  });
  afterAll(async () => {
    await runtime.close();
    await destination.close();
  });
  beforeEach(() => {
    destination.received.length = 0;
  });

  it('a Svix-signed canonical event claiming to be Stripe stays a Standard Webhooks message; the genuine Stripe event is delivered', async () => {
    const victimId = `evt_victim_${randomBytes(6).toString('hex')}`;
    const genuine = stripeEventBody(victimId, 2000);
    const forgedEvent = {
      id: victimId,
      provider: 'stripe',
      type: 'payment_intent.succeeded',
      kind: 'payment.succeeded',
      occurredAt: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
      amount: { minor: 999999, currency: 'USD' },
      idempotencyKey: `stripe:${victimId}`,
      raw: {},
    };
    const forgedBody = JSON.stringify(forgedEvent);
    const svixHeaders = new SvixWebhook(SVIX_SECRET).sign('msg_forged_1', new Date(), forgedBody);
    const headers = { 'content-type': 'application/json', 'svix-id': 'msg_forged_1', 'svix-timestamp': String(Math.floor(Date.now() / 1000)), 'svix-signature': svixHeaders };
    expect((await postWebhook(url, 'svix', forgedBody, headers)).status).toBe(200);

    const answer = await postWebhook(url, 'stripe', genuine, stripeSigned(genuine));
    expect(answer).toMatchObject({ status: 200, body: JSON.stringify({ received: 1, duplicates: 0 }) });
    await waitFor(() => destination.received.length >= 2, 'both deliveries');
    const events = deliveredEvents(destination);
    expect(events.find((event) => event.idempotencyKey === `stripe:${victimId}`)).toMatchObject({ provider: 'stripe', amount: { minor: 2000 } });
    expect(events.find((event) => event.idempotencyKey === 'svix:msg_forged_1')).toMatchObject({ provider: 'standard-webhooks', kind: 'other' });
    expect(events.filter((event) => event.amount?.minor === 999999)).toEqual([]);
  });

  it('a captured Shopify order resent with a paid topic and new webhook ids is the same event, delivered once and never as paid', async () => {
    const order = { ...JSON.parse(fixtureBytes('shopify', 'orders-paid.json').toString()), id: Date.now(), financial_status: 'pending' };
    const body = JSON.stringify(order);
    const hmac = createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64');
    const send = (topic: string, webhookId: string) =>
      postWebhook(url, 'shop', body, { 'content-type': 'application/json', 'x-shopify-hmac-sha256': hmac, 'x-shopify-topic': topic, 'x-shopify-webhook-id': webhookId });
    expect((await send('orders/create', 'genuine-1')).body).toBe(JSON.stringify({ received: 1, duplicates: 0 }));
    for (const forged of ['forged-1', 'forged-2']) {
      expect(await send('orders/paid', forged)).toEqual({ status: 200, body: JSON.stringify({ received: 1, duplicates: 1 }) });
    }
    await waitFor(() => destination.received.length >= 1, 'the delivery');
    await new Promise((done) => setTimeout(done, 300));
    expect(deliveredEvents(destination)).toEqual([expect.objectContaining({ idempotencyKey: `shop:orders:${order.id}:checkout.completed`, kind: 'checkout.completed' })]);
  });

  it('keys are namespaced by source: whoever holds another Stripe source\'s secret cannot claim this source\'s event ids', async () => {
    const victimId = `evt_victim_${randomBytes(6).toString('hex')}`;
    const forged = stripeEventBody(victimId, 999999);
    expect(await postWebhook(url, 'stripe-partner', forged, stripeSigned(forged, PARTNER_SECRET))).toMatchObject({ status: 200, body: JSON.stringify({ received: 1, duplicates: 0 }) });
    const genuine = stripeEventBody(victimId, 2000);
    expect(await postWebhook(url, 'stripe', genuine, stripeSigned(genuine))).toMatchObject({ status: 200, body: JSON.stringify({ received: 1, duplicates: 0 }) });
    await waitFor(() => destination.received.length >= 2, 'both deliveries');
    const events = deliveredEvents(destination);
    expect(events.find((event) => event.idempotencyKey === `stripe:${victimId}`)).toMatchObject({ amount: { minor: 2000 } });
    expect(events.find((event) => event.idempotencyKey === `stripe-partner:${victimId}`)).toMatchObject({ source: 'stripe-partner', amount: { minor: 999999 } });
  });

  it('a resend with another query string is a duplicate', async () => {
    const body = stripeEventBody();
    const headers = stripeSigned(body);
    expect((await postWebhook(url, 'stripe', body, headers)).body).toBe(JSON.stringify({ received: 1, duplicates: 0 }));
    for (const query of ['?id=forged-1', '?topic=orders/paid&webhook-id=forged-2']) {
      expect(await postWebhook(url, `stripe${query}`, body, headers)).toEqual({ status: 200, body: JSON.stringify({ received: 1, duplicates: 1 }) });
    }
  });
});

describe('config check refuses settings that let an unsigned part choose identity', () => {
  it.each([
    [{ header: 'x-signature', idHeader: 'x-event-id' }, '`idHeader` is set but `template` has no {id}'],
    [{ header: 'x-signature', template: '{id}.{timestamp}', idHeader: 'x-event-id', timestampHeader: 'x-ts' }, '`template` must include {body}'],
    [{ header: 'x-signature', timestampHeader: 'x-ts' }, '`timestampHeader` is set but `template` has no {timestamp}'],
    [{ name: 'stripe', provider: 'standard-webhooks' }, 'name: "stripe" is another gateway\'s provider id'],
  ])('%j', async (fields, problem) => {
    const config = configObject({ storage: 'sqlite:./data/test.db', destinationUrl: 'http://127.0.0.1:5678/webhook/payments' }) as Record<string, any>;
    if ('name' in fields) config.sources = [];
    config.sources.push({ name: 'custom', provider: 'generic-hmac', secrets: ['s'], ...fields });
    const file = join(dir.path, 'identity.json');
    writeFileSync(file, JSON.stringify(config));
    const err: string[] = [];
    const code = await main(['config', 'check', file], { out: () => undefined, err: (line) => err.push(line), env: {}, cwd: dir.path });
    expect(code).toBe(1);
    expect(err.join('\n')).toContain('name' in fields ? `sources[0].${problem}` : `sources[1]: ${problem}`);
  });
});
