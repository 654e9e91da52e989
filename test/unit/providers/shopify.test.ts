// The SDK's Node adapter registers itself on load; its package ships it as TypeScript source that
// does not type-check under our strict settings, so it is loaded at run time without its types.
require('@shopify/shopify-api/adapters/node');
import { createHmac } from 'node:crypto';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { shopify as provider } from '../../../core/providers/shopify';
import { getProvider } from '../../../core/providers';
import { fixtureBytes, webhook, withOneWhitespaceByte } from './support/gateway-requests';
import { describeHeaderHmacRefusals, tamper } from './support/hmac-refusals';

const SECRET = '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';
const OLD_SECRET = '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';
const NOW = new Date('2026-11-30T12:00:00Z');
const ordersPaid = fixtureBytes('shopify', 'orders-paid.json');

const sdk = (secret: string) =>
  shopifyApi({
    apiKey: 'test-app',
    apiSecretKey: secret,
    scopes: [],
    hostName: 'localhost',
    apiVersion: ApiVersion.October25,
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: () => undefined },
  });

function deliveryHeaders(topic: string, hmac: string): Record<string, string> {
  return {
    'X-Shopify-Hmac-Sha256': hmac,
    'X-Shopify-Topic': topic,
    'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    'X-Shopify-Event-Id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
    'X-Shopify-Triggered-At': '2023-03-29T18:00:27.877041743Z',
    'X-Shopify-Shop-Domain': 'shop.myshopify.com',
    'X-Shopify-API-Version': '2025-10',
    'Content-Type': 'application/json',
  };
}

/** Shopify's recipe: base64 HMAC-SHA256 of the raw body with the client secret. */
function sign(payload: Buffer, secret: string, topic = 'orders/paid'): Record<string, string> {
  return deliveryHeaders(topic, createHmac('sha256', secret).update(payload).digest('base64'));
}

/** The official SDK's verdict on the same raw body and headers. */
async function sdkAccepts(payload: Buffer, headers: Record<string, string>, secret = SECRET): Promise<boolean> {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const result = await sdk(secret).webhooks.validate({
    rawBody: payload.toString('utf8'),
    rawRequest: { headers: lower, method: 'POST', url: '/webhooks/shopify' },
    rawResponse: {},
  } as never);
  return result.valid;
}

describeHeaderHmacRefusals('shopify', {
  provider,
  secret: SECRET,
  oldSecret: OLD_SECRET,
  body: ordersPaid,
  now: NOW,
  headerName: 'X-Shopify-Hmac-Sha256',
  encoding: 'base64',
  sign: (payload, secret) => sign(payload, secret),
});

describe('shopify verify agrees with @shopify/shopify-api webhooks.validate', () => {
  const config = { secrets: [SECRET] };

  it('is registered', () => {
    expect(getProvider('shopify')).toBe(provider);
  });

  const cases: Array<[string, Buffer, Record<string, string>]> = [
    ['genuine', ordersPaid, sign(ordersPaid, SECRET)],
    ['tampered body', tamper(ordersPaid), sign(ordersPaid, SECRET)],
    ['one whitespace byte', withOneWhitespaceByte(ordersPaid), sign(ordersPaid, SECRET)],
    ['other secret', ordersPaid, sign(ordersPaid, OLD_SECRET)],
  ];

  it.each(cases)('%s: same verdict as the SDK', async (_name, payload, headers) => {
    const ours = await provider.verify(webhook(payload, headers), config, { now: NOW });
    expect(ours.ok).toBe(await sdkAccepts(payload, headers));
  });

  it('accepts the Events spelling of the header (shopify-hmac-sha256)', async () => {
    const hmac = createHmac('sha256', SECRET).update(ordersPaid).digest('base64');
    const request = webhook(ordersPaid, { 'shopify-hmac-sha256': hmac, 'shopify-topic': 'orders/paid', 'shopify-event-id': 'evt-1' });
    await expect(provider.verify(request, config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    const result = provider.normalize(request, NOW);
    expect(result).toMatchObject({ ok: true, events: [{ id: 'orders:450789469:payment.succeeded', type: 'orders/paid' }] });
  });

  it('signs test events so that the SDK accepts them', async () => {
    for (const kind of ['payment.succeeded', 'payment.refunded', 'dispute.opened', 'checkout.completed'] as const) {
      const signed = provider.sign!(provider.example!(kind, NOW), config, NOW);
      await expect(sdkAccepts(signed.body, signed.headers)).resolves.toBe(true);
      const normalized = provider.normalize(webhook(signed.body, signed.headers), NOW);
      expect(normalized).toMatchObject({ ok: true, events: [{ kind }] });
    }
  });
});

describe('shopify normalize', () => {
  const normalize = (name: string, topic: string) => {
    const payload = fixtureBytes('shopify', name);
    const result = provider.normalize(webhook(payload, sign(payload, SECRET, topic)), NOW);
    if (!result.ok) throw new Error(result.detail);
    return result.events[0];
  };

  it('maps orders/paid with an id from the signed order, decimal amount, customer and gateway', () => {
    expect(normalize('orders-paid.json', 'orders/paid')).toMatchObject({
      id: 'orders:450789469:payment.succeeded',
      idempotencyKey: 'shopify:orders:450789469:payment.succeeded',
      type: 'orders/paid',
      kind: 'payment.succeeded',
      occurredAt: '2008-01-10T16:00:00.000Z',
      livemode: true,
      amount: { minor: 40300, currency: 'USD' },
      paymentId: '450789469',
      reference: '#1001',
      paymentMethod: 'bogus',
      customer: { id: '207119551', email: 'bob.norman@mail.example.com', name: 'Bob Norman' },
      risk: { ip: '216.191.105.146' },
    });
  });

  it('maps refunds/create to the sum of its refund transactions', () => {
    expect(normalize('refunds-create.json', 'refunds/create')).toMatchObject({
      kind: 'payment.refunded',
      amount: { minor: 20999, currency: 'USD' },
      paymentId: '450789469',
    });
  });

  it('maps disputes/create', () => {
    expect(normalize('disputes-create.json', 'disputes/create')).toMatchObject({
      kind: 'dispute.opened',
      amount: { minor: 1150, currency: 'USD' },
      paymentId: '450789469',
    });
  });

  it('takes identity and kind from the signed body: new webhook ids and another order topic change neither', () => {
    const headers = sign(ordersPaid, SECRET, 'orders/create');
    const genuine = provider.normalize(webhook(ordersPaid, headers), NOW);
    expect(genuine).toMatchObject({ ok: true, events: [{ id: 'orders:450789469:payment.succeeded', kind: 'payment.succeeded' }] });
    for (const [topic, webhookId] of [['orders/paid', 'forged-1'], ['orders/updated', 'forged-2'], ['orders/create', 'forged-3']]) {
      const result = provider.normalize(webhook(ordersPaid, { ...headers, 'X-Shopify-Topic': topic, 'X-Shopify-Webhook-Id': webhookId }), NOW);
      expect(result).toMatchObject({ ok: true, events: [{ idempotencyKey: 'shopify:orders:450789469:payment.succeeded', kind: 'payment.succeeded', type: topic }] });
    }
  });

  it('delivers an unpaid order as a checkout, never as paid, whatever topic it is resent with', () => {
    const pending = Buffer.from(JSON.stringify({ ...JSON.parse(ordersPaid.toString()), financial_status: 'pending' }));
    for (const topic of ['orders/create', 'orders/paid']) {
      const result = provider.normalize(webhook(pending, sign(pending, SECRET, topic)), NOW);
      expect(result).toMatchObject({ ok: true, events: [{ id: 'orders:450789469:checkout.completed', kind: 'checkout.completed' }] });
    }
  });

  it('identifies an update that changes no kind by its bytes, and reads disputes and contracts by their status', () => {
    const refunded = Buffer.from(JSON.stringify({ ...JSON.parse(ordersPaid.toString()), financial_status: 'refunded' }));
    const result = provider.normalize(webhook(refunded, sign(refunded, SECRET, 'orders/updated')), NOW);
    expect(result).toMatchObject({ ok: true, events: [{ kind: 'other', id: expect.stringMatching(/^orders:450789469:[0-9a-f]{64}$/) }] });
    const dispute = JSON.parse(fixtureBytes('shopify', 'disputes-create.json').toString());
    const won = Buffer.from(JSON.stringify({ ...dispute, status: 'won' }));
    expect(provider.normalize(webhook(won, sign(won, SECRET, 'disputes/update')), NOW)).toMatchObject({
      ok: true,
      events: [{ kind: 'dispute.closed', id: `disputes:${dispute.id}:dispute.closed` }],
    });
    const contract = Buffer.from(JSON.stringify({ admin_graphql_api_id: 'gid://shopify/SubscriptionContract/7', id: 7, status: 'cancelled', billing_policy: {} }));
    expect(provider.normalize(webhook(contract, sign(contract, SECRET, 'subscription_contracts/update')), NOW)).toMatchObject({
      ok: true,
      events: [{ kind: 'subscription.canceled', id: 'subscription_contracts:7:subscription.canceled' }],
    });
  });

  it('refuses a topic naming another object than the signed body, a body without topic header, and one not JSON', () => {
    for (const topic of ['products/update', 'refunds/create', 'disputes/create']) {
      expect(provider.normalize(webhook(ordersPaid, { 'X-Shopify-Topic': topic, 'X-Shopify-Webhook-Id': 'w1' }), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    }
    expect(provider.normalize(webhook(ordersPaid), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    expect(provider.normalize(webhook('<xml/>', { 'X-Shopify-Topic': 'orders/paid' }), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });
});
