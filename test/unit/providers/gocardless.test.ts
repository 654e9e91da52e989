import { createHmac } from 'node:crypto';
import { gocardless as provider } from '../../../core/providers/gocardless';
import { getProvider } from '../../../core/providers';
import { fixtureBytes, webhook, withOneWhitespaceByte } from './support/gateway-requests';
import { describeHeaderHmacRefusals, tamper } from './support/hmac-refusals';

// The SDK's `webhooks` subpath is declared in package exports, which our "node" module resolution
// does not read: it is loaded at run time and typed from the declaration file it ships.
const { parse } = require('gocardless-nodejs/webhooks') as typeof import('gocardless-nodejs/types/webhooks');

const SECRET = 'gc_webhook_endpoint_secret_7Hq2Lm9Zx';
const OLD_SECRET = 'gc_webhook_endpoint_secret_old_4Tb1';
const NOW = new Date('2026-11-30T12:00:00Z');
const body = fixtureBytes('gocardless', 'batch.json');

/** GoCardless's recipe (hex HMAC-SHA256 of the raw body); the SDK only verifies, so it checks these. */
function sign(payload: Buffer, secret: string): Record<string, string> {
  return { 'Webhook-Signature': createHmac('sha256', secret).update(payload).digest('hex'), 'Content-Type': 'application/json' };
}

/** The official SDK's verdict: `parse` throws InvalidSignatureError on a bad signature. */
function sdkAccepts(payload: Buffer, signature: string, secret = SECRET): boolean {
  try {
    parse(payload, secret, signature);
    return true;
  } catch {
    return false;
  }
}

describeHeaderHmacRefusals('gocardless', {
  provider,
  secret: SECRET,
  oldSecret: OLD_SECRET,
  body,
  now: NOW,
  headerName: 'Webhook-Signature',
  encoding: 'hex',
  sign,
});

describe('gocardless verify agrees with gocardless-nodejs/webhooks', () => {
  const config = { secrets: [SECRET] };
  const signature = sign(body, SECRET)['Webhook-Signature'];
  const cases: Array<[string, Buffer, string, string]> = [
    ['genuine', body, signature, SECRET],
    ['tampered body', tamper(body), signature, SECRET],
    ['one whitespace byte', withOneWhitespaceByte(body), signature, SECRET],
    ['other secret', body, sign(body, OLD_SECRET)['Webhook-Signature'], SECRET],
  ];

  it('is registered', () => {
    expect(getProvider('gocardless')).toBe(provider);
  });

  it.each(cases)('%s: same verdict as the SDK', async (_name, payload, sig, secret) => {
    const ours = await provider.verify(webhook(payload, { 'Webhook-Signature': sig }), { secrets: [secret] }, { now: NOW });
    expect(ours.ok).toBe(sdkAccepts(payload, sig, secret));
  });

  it('accepts the genuine batch, which the SDK parses into the same three events', async () => {
    await expect(provider.verify(webhook(body, { 'Webhook-Signature': signature }), config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    const sdkEvents = parse(body, SECRET, signature);
    const ours = provider.normalize(webhook(body), NOW);
    expect(ours.ok && ours.events.map((event) => event.id)).toEqual(sdkEvents.map((event) => event.id));
  });

  it('signs test events so that the SDK accepts them', () => {
    const example = provider.example!('payment.succeeded', NOW);
    const signed = provider.sign!(example, config, NOW);
    expect(sdkAccepts(signed.body, signed.headers['webhook-signature'])).toBe(true);
  });
});

describe('gocardless normalize', () => {
  it('turns the batch into one event per item, in order, with their own ids', () => {
    const result = provider.normalize(webhook(body), NOW);
    if (!result.ok) throw new Error(result.detail);
    expect(result.events.map((event) => [event.id, event.type, event.kind])).toEqual([
      ['EV00BD05S5VM2T', 'payments.confirmed', 'payment.succeeded'],
      ['EV00BD05TB8K63', 'payments.failed', 'payment.failed'],
      ['EV00BD05W45FMK', 'mandates.active', 'other'],
    ]);
    expect(result.events[0]).toMatchObject({
      provider: 'gocardless',
      occurredAt: '2018-07-05T09:13:51.404Z',
      paymentId: 'PM000CKEKHZ2TN',
      paymentMethod: 'bacs',
      idempotencyKey: 'gocardless:EV00BD05S5VM2T',
      verification: 'signature',
    });
    expect(result.events[0].amount).toBeUndefined();
    expect(result.events[1].failure).toEqual({
      code: 'insufficient_funds',
      declineCode: 'ARUDD-0',
      message: "The customer's account had insufficient funds to make this payment.",
    });
    expect(result.events[2].raw).toMatchObject({ resource_type: 'mandates', action: 'active' });
  });

  it('maps subscriptions, refunds and payouts', () => {
    const item = (resource_type: string, action: string) => ({ id: `EV_${resource_type}_${action}`, created_at: '2024-01-01T00:00:00Z', resource_type, action, links: {} });
    const batch = { events: [item('subscriptions', 'created'), item('subscriptions', 'cancelled'), item('refunds', 'paid'), item('payouts', 'paid'), item('payments', 'charged_back')] };
    const result = provider.normalize(webhook(JSON.stringify(batch)), NOW);
    expect(result.ok && result.events.map((event) => event.kind)).toEqual([
      'subscription.created',
      'subscription.canceled',
      'payment.refunded',
      'payout.paid',
      'dispute.opened',
    ]);
  });

  it('refuses the whole batch when an item is unreadable, and a body without events', () => {
    const broken = { events: [JSON.parse(body.toString()).events[0], { id: 'EV1' }] };
    expect(provider.normalize(webhook(JSON.stringify(broken)), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    expect(provider.normalize(webhook('{"meta":{}}'), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    expect(provider.normalize(webhook('{"events":[]}'), NOW)).toEqual({ ok: true, events: [] });
  });
});
