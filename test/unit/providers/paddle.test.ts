import { createHmac } from 'node:crypto';
import { Paddle } from '@paddle/paddle-node-sdk';
import { paddle as provider } from '../../../core/providers/paddle';
import { getProvider } from '../../../core/providers';
import { EVENT_KINDS } from '../../../core/event';
import { expectRefusal, fixtureBytes, webhook, withOneWhitespaceByte } from './support/gateway-requests';

// The SDK checks its 5 s window against the real clock, so each test signs at the real time.
let NOW: Date;
let NOW_SECONDS: number;
beforeEach(() => {
  NOW_SECONDS = Math.floor(Date.now() / 1000);
  NOW = new Date(NOW_SECONDS * 1000);
});
const SECRET = 'pdl_ntfset_01hdgvwkw7h5zxcm1kthq9d7c3_uvR6Tf2nOsWEBbD9p7xu7W1dCd8kPBcL';
const OLD_SECRET = 'pdl_ntfset_01h0000000000000000000000_oldOldOldOldOldOldOldOldOldOld';
const config = { secrets: [SECRET] };
const body = fixtureBytes('paddle', 'transaction-completed.json');
// The client registers the SDK's Node crypto runtime; its API key is never used (no API call).
const sdk = new Paddle('pdl_sdbx_apikey_01test_unused').webhooks;

/**
 * The Paddle SDK verifies but cannot sign, so requests are signed with Paddle's documented
 * recipe (hex HMAC-SHA256 of `"{ts}:{rawBody}"` with the secret) and checked with the SDK.
 */
function signed(payload: Buffer, secret = SECRET, ts = NOW_SECONDS) {
  const h1 = createHmac('sha256', secret).update(`${ts}:${payload.toString('utf8')}`).digest('hex');
  return webhook(payload, { 'Paddle-Signature': `ts=${ts};h1=${h1}` });
}

const sdkAccepts = (payload: Buffer, signature: string, secret = SECRET) => sdk.isSignatureValid(payload.toString('utf8'), secret, signature);

describe('paddle verify', () => {
  it('is registered', () => {
    expect(getProvider('paddle')).toBe(provider);
  });

  it('accepts a request signed with the documented recipe, which the SDK accepts and unmarshals', async () => {
    const request = signed(body);
    const signature = request.headers['Paddle-Signature'] as string;
    await expect(provider.verify(request, config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(sdkAccepts(body, signature)).resolves.toBe(true);
    await expect(sdk.unmarshal(body.toString('utf8'), SECRET, signature)).resolves.toMatchObject({ eventId: 'evt_01h8e1jxjnw9ra6zarhnz1a7y1' });
  });

  it('signs (send-test-event) in a way the SDK accepts', async () => {
    const out = provider.sign!(body, config, NOW);
    await expect(sdkAccepts(out.body, out.headers['paddle-signature'])).resolves.toBe(true);
  });

  it('accepts several h1 values and both secrets during a rotation', async () => {
    const old = (signed(body, OLD_SECRET).headers['Paddle-Signature'] as string).split(';')[1];
    const request = signed(body);
    request.headers['Paddle-Signature'] = `${request.headers['Paddle-Signature']};${old}`;
    await expect(provider.verify(request, config, { now: NOW })).resolves.toMatchObject({ ok: true });
    const rotating = { secrets: [OLD_SECRET, SECRET] };
    await expect(provider.verify(signed(body, OLD_SECRET), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(signed(body), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 1 });
  });

  it('refuses a tampered body, a wrong secret and a one-whitespace-byte change', async () => {
    const request = signed(body);
    const tampered = Buffer.from(body.toString().replace('"grand_total":"65215"', '"grand_total":"1"'));
    expect(tampered.equals(body)).toBe(false);
    await expectRefusal(provider, { ...request, rawBody: tampered }, config, NOW, 'signature_mismatch');
    await expectRefusal(provider, signed(body, OLD_SECRET), config, NOW, 'signature_mismatch');
    await expectRefusal(provider, { ...request, rawBody: withOneWhitespaceByte(body) }, config, NOW, 'signature_mismatch');
    await expect(sdkAccepts(tampered, request.headers['Paddle-Signature'] as string)).resolves.toBe(false);
  });

  it('refuses missing, malformed, truncated and wrongly encoded signatures', async () => {
    const h1 = (signed(body).headers['Paddle-Signature'] as string).split('h1=')[1];
    const withHeader = (value: string) => webhook(body, { 'paddle-signature': value });
    await expectRefusal(provider, webhook(body), config, NOW, 'missing_signature');
    await expectRefusal(provider, withHeader(`h1=${h1}`), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withHeader(`ts=${NOW_SECONDS}`), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withHeader(`ts=${NOW_SECONDS},h1=${h1}`), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withHeader(`ts=${NOW_SECONDS};h1=${h1.slice(0, 50)}`), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withHeader(`ts=${NOW_SECONDS};h1=${Buffer.from(h1, 'hex').toString('base64')}`), config, NOW, 'malformed_signature');
    await expectRefusal(provider, signed(body), { secrets: [] }, NOW, 'missing_secret');
  });

  it('refuses stale and future timestamps; the default window is 300 s, not the SDK 5 s', async () => {
    await expectRefusal(provider, signed(body, SECRET, NOW_SECONDS - 301), config, NOW, 'timestamp_outside_tolerance');
    await expectRefusal(provider, signed(body, SECRET, NOW_SECONDS + 301), config, NOW, 'timestamp_outside_tolerance');
    await expect(provider.verify(signed(body, SECRET, NOW_SECONDS - 60), config, { now: NOW })).resolves.toMatchObject({ ok: true });
    await expect(sdkAccepts(body, signed(body, SECRET, NOW_SECONDS - 60).headers['Paddle-Signature'] as string)).resolves.toBe(false);
    await expectRefusal(provider, signed(body, SECRET, NOW_SECONDS - 10), { secrets: [SECRET], toleranceSeconds: 5 }, NOW, 'timestamp_outside_tolerance');
  });
});

describe('paddle normalize', () => {
  const normalized = (name: string) => {
    const result = provider.normalize(webhook(fixtureBytes('paddle', name)), NOW);
    if (!result.ok) throw new Error(result.detail);
    return result.events[0];
  };

  it('maps a completed transaction with its grand total in cents', () => {
    expect(normalized('transaction-completed.json')).toMatchObject({
      id: 'evt_01h8e1jxjnw9ra6zarhnz1a7y1', idempotencyKey: 'paddle:evt_01h8e1jxjnw9ra6zarhnz1a7y1', type: 'transaction.completed', kind: 'payment.succeeded',
      occurredAt: '2023-08-22T07:15:45.366Z', amount: { minor: 65215, currency: 'USD' }, paymentId: 'txn_01h8dzxgkvdwemdhbpcapj2tbj',
      paymentMethod: 'card', customer: { id: 'ctm_01h8e18bxp9hby49dnm8ewf0m0' },
    });
  });

  it('reads a recurring JPY transaction as a renewal in whole yen', () => {
    expect(normalized('transaction-completed.renewal-jpy.json')).toMatchObject({ kind: 'subscription.renewed', amount: { minor: 6500, currency: 'JPY' }, subscriptionId: 'sub_01h8e1jxhhss1a6agahb2xh9j0' });
  });

  it('keeps the error code of failed and past-due transactions', () => {
    expect(normalized('transaction-payment-failed.json')).toMatchObject({ kind: 'payment.failed', failure: { code: 'declined' } });
    expect(normalized('transaction-past-due.json')).toMatchObject({ kind: 'invoice.payment_failed', failure: { code: 'authentication_failed' }, subscriptionId: 'sub_01h8e1jxhhss1a6agahb2xh9j0' });
  });

  it('reports a refund only once Paddle approved it', () => {
    expect(normalized('adjustment-created.json')).toMatchObject({ kind: 'other' });
    expect(normalized('adjustment-updated.json')).toMatchObject({ kind: 'payment.refunded', amount: { minor: 100, currency: 'USD' }, paymentId: 'txn_01h8bxpvx398a7zbawb77y0kp5' });
  });

  it('maps subscriptions and payouts, and keeps other types raw', () => {
    expect(normalized('subscription-created.json')).toMatchObject({ kind: 'subscription.created', subscriptionId: 'sub_01h7ht5z5wdg9pz18jx1fagp8k', customer: { id: 'ctm_01h7hswb86rtps5ggbq7ybydcw' } });
    expect(normalized('subscription-canceled.json')).toMatchObject({ kind: 'subscription.canceled' });
    expect(normalized('payout-paid.json')).toMatchObject({ kind: 'payout.paid', amount: { minor: 10000, currency: 'USD' } });
    expect(normalized('customer-created.json')).toMatchObject({ kind: 'other', customer: { id: 'ctm_01h8441jn5pcwrfhwh78jqt8hk', email: 'sam@example.com' } });
    expect(normalized('transaction-created.json')).toMatchObject({ kind: 'other' });
  });

  it('answers malformed_body instead of throwing', () => {
    for (const text of ['{"event_id":', '1', '{"event_id":"evt_1","event_type":"transaction.completed","data":[]}']) {
      expect(provider.normalize(webhook(text), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    }
  });

  it('builds signed examples that normalize back to their kind (Paddle has no pending, invoice-paid or checkout notification)', async () => {
    const unmapped = new Set(['payment.pending', 'invoice.paid', 'checkout.completed']);
    for (const kind of EVENT_KINDS) {
      const out = provider.sign!(provider.example!(kind, NOW), config, NOW);
      await expect(sdkAccepts(out.body, out.headers['paddle-signature'])).resolves.toBe(true);
      const result = provider.normalize(webhook(out.body, out.headers), NOW);
      expect(result.ok && result.events[0].kind).toBe(unmapped.has(kind) ? 'other' : kind);
    }
  });
});
