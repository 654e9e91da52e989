import Stripe from 'stripe';
import { stripe as provider } from '../../../core/providers/stripe';
import { getProvider } from '../../../core/providers';
import { EVENT_KINDS } from '../../../core/event';
import { expectRefusal, fixtureBytes, webhook, withOneWhitespaceByte } from './support/gateway-requests';

const sdk = new Stripe('sk_test_unused');
const SECRET = 'whsec_test_7f3a1c9e2b4d6f8a0c1e3b5d7f9a1c3e';
const OLD_SECRET = 'whsec_test_old_0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d';
const NOW = new Date('2026-11-30T12:00:00Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
const config = { secrets: [SECRET] };

function sdkSigned(body: Buffer, secret = SECRET, timestamp = NOW_SECONDS) {
  const signature = sdk.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret, timestamp });
  return webhook(body, { 'Stripe-Signature': signature });
}

function sdkAccepts(body: Buffer, signature: string, secret = SECRET): boolean {
  try {
    sdk.webhooks.constructEvent(body, signature, secret, 300, undefined, NOW_SECONDS);
    return true;
  } catch {
    return false;
  }
}

const body = fixtureBytes('stripe', 'payment_intent.succeeded.json');

describe('stripe verify', () => {
  it('is registered', () => {
    expect(getProvider('stripe')).toBe(provider);
  });

  it('accepts a request signed by the Stripe SDK, which the SDK itself accepts too', async () => {
    const request = sdkSigned(body);
    await expect(provider.verify(request, config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    expect(sdkAccepts(body, request.headers['Stripe-Signature'] as string)).toBe(true);
  });

  it('signs (send-test-event) in a way the Stripe SDK accepts', () => {
    const signed = provider.sign!(body, config, NOW);
    expect(sdkAccepts(signed.body, signed.headers['stripe-signature'])).toBe(true);
  });

  it('accepts any of several v1 signatures, as Stripe sends while a secret is rolled', async () => {
    const stale = sdk.webhooks.generateTestHeaderString({ payload: body.toString(), secret: OLD_SECRET, timestamp: NOW_SECONDS });
    const fresh = sdk.webhooks.generateTestHeaderString({ payload: body.toString(), secret: SECRET, timestamp: NOW_SECONDS });
    const both = `${stale},${fresh.split(',')[1]}`;
    await expect(provider.verify(webhook(body, { 'stripe-signature': both }), config, { now: NOW })).resolves.toMatchObject({ ok: true });
    expect(sdkAccepts(body, both)).toBe(true);
  });

  it('accepts both secrets during a rotation and says which one matched', async () => {
    const rotating = { secrets: [OLD_SECRET, SECRET] };
    await expect(provider.verify(sdkSigned(body, OLD_SECRET), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(sdkSigned(body, SECRET), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 1 });
  });

  it('refuses a tampered body, a wrong secret and a one-whitespace-byte change', async () => {
    const signed = sdkSigned(body);
    const tampered = Buffer.from(body.toString().replace('"amount": 2000', '"amount": 1'));
    expect(tampered.equals(body)).toBe(false);
    await expectRefusal(provider, { ...signed, rawBody: tampered }, config, NOW, 'signature_mismatch');
    await expectRefusal(provider, sdkSigned(body, OLD_SECRET), config, NOW, 'signature_mismatch');
    await expectRefusal(provider, { ...signed, rawBody: withOneWhitespaceByte(body) }, config, NOW, 'signature_mismatch');
    expect(sdkAccepts(tampered, signed.headers['Stripe-Signature'] as string)).toBe(false);
  });

  it('refuses missing, malformed, truncated and wrongly encoded signatures', async () => {
    const header = sdkSigned(body).headers['Stripe-Signature'] as string;
    const hex = header.split('v1=')[1];
    await expectRefusal(provider, webhook(body), config, NOW, 'missing_signature');
    await expectRefusal(provider, webhook(body, { 'stripe-signature': `v1=${hex}` }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, webhook(body, { 'stripe-signature': `t=${NOW_SECONDS}` }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, webhook(body, { 'stripe-signature': `t=${NOW_SECONDS},v1=${hex.slice(0, 40)}` }), config, NOW, 'malformed_signature');
    const base64 = Buffer.from(hex, 'hex').toString('base64');
    await expectRefusal(provider, webhook(body, { 'stripe-signature': `t=${NOW_SECONDS},v1=${base64}` }), config, NOW, 'malformed_signature');
  });

  it('refuses stale and future timestamps, with the configured tolerance', async () => {
    await expectRefusal(provider, sdkSigned(body, SECRET, NOW_SECONDS - 301), config, NOW, 'timestamp_outside_tolerance');
    await expectRefusal(provider, sdkSigned(body, SECRET, NOW_SECONDS + 301), config, NOW, 'timestamp_outside_tolerance');
    await expect(provider.verify(sdkSigned(body, SECRET, NOW_SECONDS - 299), config, { now: NOW })).resolves.toMatchObject({ ok: true });
    const strict = { secrets: [SECRET], toleranceSeconds: 10 };
    await expectRefusal(provider, sdkSigned(body, SECRET, NOW_SECONDS - 20), strict, NOW, 'timestamp_outside_tolerance');
  });

  it('refuses when no secret is configured', async () => {
    await expectRefusal(provider, sdkSigned(body), { secrets: [] }, NOW, 'missing_secret');
  });
});

describe('stripe normalize', () => {
  const receivedAt = new Date('2026-11-30T12:00:01Z');
  const normalized = (name: string) => {
    const result = provider.normalize(webhook(fixtureBytes('stripe', name)), receivedAt);
    if (!result.ok) throw new Error(result.detail);
    expect(result.events).toHaveLength(1);
    return result.events[0];
  };

  it('maps a succeeded PaymentIntent', () => {
    const event = normalized('payment_intent.succeeded.json');
    expect(event).toMatchObject({
      provider: 'stripe', type: 'payment_intent.succeeded', kind: 'payment.succeeded', livemode: false,
      amount: { minor: 2000, currency: 'USD' }, paymentId: 'pi_1PgafyB7WZ01zgkWSjxsAJo3', paymentMethod: 'card',
      customer: { id: 'cus_QXg1o8vcGmoR32', email: 'jenny.rosen@example.com' }, verification: 'signature',
    });
    expect(event.idempotencyKey).toBe(`stripe:${event.id}`);
    expect(event.occurredAt).toBe(new Date(1764480000 * 1000).toISOString());
    expect(event.receivedAt).toBe(receivedAt.toISOString());
  });

  it('keeps decline and advice codes and the card fingerprint of a failed PaymentIntent', () => {
    expect(normalized('payment_intent.payment_failed.json')).toMatchObject({
      kind: 'payment.failed',
      failure: { code: 'card_declined', declineCode: 'insufficient_funds', adviceCode: 'try_again_later', message: 'Your card has insufficient funds.' },
      risk: { cardFingerprint: 'Xt5EWLLDS7FJjR1c' },
    });
  });

  it('keeps the Radar outcome of a failed charge', () => {
    expect(normalized('charge.failed.json')).toMatchObject({
      kind: 'payment.failed', amount: { minor: 4999, currency: 'USD' }, paymentId: 'pi_3QpFailed0002',
      failure: { code: 'card_declined', declineCode: 'stolen_card', adviceCode: 'do_not_try_again' },
      risk: { providerScore: 74, cardFingerprint: 'Xt5EWLLDS7FJjR1c' },
    });
  });

  it('reads JPY as zero-decimal and Stripe ISK as two-decimal (100000 = 1000 kr)', () => {
    expect(normalized('charge.succeeded.jpy.json')).toMatchObject({ kind: 'payment.succeeded', amount: { minor: 1000, currency: 'JPY' }, risk: { providerScore: 32 } });
    expect(normalized('charge.refunded.isk.json')).toMatchObject({ kind: 'payment.refunded', amount: { minor: 1000, currency: 'ISK' } });
  });

  it('maps disputes, invoices, subscriptions, checkout and payouts', () => {
    expect(normalized('charge.dispute.created.json')).toMatchObject({ kind: 'dispute.opened', amount: { minor: 1000, currency: 'USD' }, paymentId: 'pi_3QpDispute0004' });
    expect(normalized('charge.dispute.closed.json')).toMatchObject({ kind: 'dispute.closed' });
    expect(normalized('invoice.paid.json')).toMatchObject({
      kind: 'subscription.renewed', amount: { minor: 1500, currency: 'USD' }, subscriptionId: 'sub_1Pgc6rB7WZ01zgkWNy0Cn5', customer: { id: 'cus_QXg1o8vcGmoR32' },
    });
    expect(normalized('invoice.payment_failed.json')).toMatchObject({ kind: 'invoice.payment_failed', amount: { minor: 1500, currency: 'USD' } });
    expect(normalized('customer.subscription.deleted.json')).toMatchObject({ kind: 'subscription.canceled', subscriptionId: expect.stringMatching(/^sub_/) });
    expect(normalized('checkout.session.completed.json')).toMatchObject({
      kind: 'checkout.completed', amount: { minor: 4500, currency: 'EUR' }, paymentId: 'pi_3QpCheckout0005', customer: { email: 'jenny.rosen@example.com', name: 'Jenny Rosen' },
    });
    expect(normalized('payout.paid.json')).toMatchObject({ kind: 'payout.paid', amount: { minor: 1100, currency: 'USD' } });
  });

  it('keeps an unmapped type as other with the raw payload', () => {
    const raw = JSON.parse(fixtureBytes('stripe', 'plan.created.json').toString());
    expect(normalized('plan.created.json')).toMatchObject({ kind: 'other', type: 'plan.created', id: 'evt_1Pgc76B7WZ01zgkWwyRHS12y', raw });
  });

  it('answers malformed_body instead of throwing', () => {
    for (const text of ['not json', '[]', '{"id":"evt_1"}', '{"id":"evt_1","type":"charge.succeeded","data":{"object":"x"}}']) {
      expect(provider.normalize(webhook(text), receivedAt)).toMatchObject({ ok: false, reason: 'malformed_body' });
    }
  });

  it('builds a signed example for every kind that normalizes back to that kind', () => {
    for (const kind of EVENT_KINDS) {
      const signed = provider.sign!(provider.example!(kind, NOW), config, NOW);
      expect(sdkAccepts(signed.body, signed.headers['stripe-signature'])).toBe(true);
      const result = provider.normalize(webhook(signed.body, signed.headers), NOW);
      expect(result.ok && result.events[0].kind).toBe(kind);
    }
  });
});
