import { createHmac } from 'node:crypto';
import { WebhooksHelper } from 'square';
import { square as provider } from '../../../core/providers/square';
import { getProvider } from '../../../core/providers';
import { EVENT_KINDS } from '../../../core/event';
import { expectRefusal, fixtureBytes, webhook, withOneWhitespaceByte } from './support/gateway-requests';

const KEY = 'asdf1234-Sq-Signature-Key-9xYz';
const OLD_KEY = 'old-Sq-Signature-Key-0aBc';
const URL = 'https://hooks.example.com/webhooks/square?source=main';
const NOW = new Date('2026-11-30T12:00:00Z');
const config = { secrets: [KEY], notificationUrl: URL };
const body = fixtureBytes('square', 'payment.updated.json');

/**
 * The Square SDK verifies but cannot sign, so requests are signed with Square's documented
 * recipe (base64 HMAC-SHA256 of notification URL + raw body) and checked with the SDK.
 */
function signed(payload: Buffer, key = KEY, url = URL) {
  const signature = createHmac('sha256', key).update(url + payload.toString('utf8')).digest('base64');
  return webhook(payload, { 'X-Square-HmacSha256-Signature': signature });
}

const sdkAccepts = (payload: Buffer, signature: string, key = KEY) =>
  WebhooksHelper.verifySignature({ requestBody: payload.toString('utf8'), signatureHeader: signature, signatureKey: key, notificationUrl: URL });

describe('square verify', () => {
  it('is registered', () => {
    expect(getProvider('square')).toBe(provider);
  });

  it('accepts a request signed with the documented recipe, which the SDK accepts too', async () => {
    const request = signed(body);
    await expect(provider.verify(request, config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(sdkAccepts(body, request.headers['X-Square-HmacSha256-Signature'] as string)).resolves.toBe(true);
  });

  it('signs (send-test-event) in a way the SDK accepts', async () => {
    const out = provider.sign!(body, config, NOW);
    await expect(sdkAccepts(out.body, out.headers['x-square-hmacsha256-signature'])).resolves.toBe(true);
  });

  it('accepts both keys during a rotation', async () => {
    const rotating = { ...config, secrets: [OLD_KEY, KEY] };
    await expect(provider.verify(signed(body, OLD_KEY), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(signed(body), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 1 });
  });

  it('refuses a tampered body, a wrong key, another URL and a one-whitespace-byte change', async () => {
    const request = signed(body);
    const tampered = Buffer.from(body.toString().replace('"amount":100', '"amount":1'));
    expect(tampered.equals(body)).toBe(false);
    await expectRefusal(provider, { ...request, rawBody: tampered }, config, NOW, 'signature_mismatch');
    await expectRefusal(provider, signed(body, OLD_KEY), config, NOW, 'signature_mismatch');
    await expectRefusal(provider, request, { ...config, notificationUrl: URL.replace('?source=main', '') }, NOW, 'signature_mismatch');
    await expectRefusal(provider, { ...request, rawBody: withOneWhitespaceByte(body) }, config, NOW, 'signature_mismatch');
    await expect(sdkAccepts(tampered, request.headers['X-Square-HmacSha256-Signature'] as string)).resolves.toBe(false);
  });

  it('refuses missing, truncated and wrongly encoded signatures, and a missing URL or key', async () => {
    const b64 = signed(body).headers['X-Square-HmacSha256-Signature'] as string;
    await expectRefusal(provider, webhook(body), config, NOW, 'missing_signature');
    await expectRefusal(provider, webhook(body, { 'x-square-hmacsha256-signature': b64.slice(0, 22) }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, webhook(body, { 'x-square-hmacsha256-signature': Buffer.from(b64, 'base64').toString('hex') }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, webhook(body, { 'x-square-hmacsha256-signature': `${b64.slice(0, 10)}!${b64.slice(11)}` }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, signed(body), { secrets: [KEY] }, NOW, 'missing_secret');
    await expectRefusal(provider, signed(body), { secrets: [], notificationUrl: URL }, NOW, 'missing_secret');
  });
});

describe('square normalize', () => {
  const normalized = (name: string) => {
    const result = provider.normalize(webhook(fixtureBytes('square', name)), NOW);
    if (!result.ok) throw new Error(result.detail);
    return result.events[0];
  };

  it('maps a completed payment with its card fingerprint and method', () => {
    expect(normalized('payment.updated.json')).toMatchObject({
      id: '6a8f5f28-54a1-4eb0-a98a-3111513fd4fc', idempotencyKey: 'square:6a8f5f28-54a1-4eb0-a98a-3111513fd4fc', type: 'payment.updated', kind: 'payment.succeeded',
      occurredAt: '2020-11-22T21:19:01.277Z', amount: { minor: 100, currency: 'USD' }, paymentId: 'hYy9pRFVxpDsO1FB05SunFWUe9JZY', reference: '03O3USaPaAaFnI6kkwB1JxGgBsUZY',
      paymentMethod: 'card', customer: { id: 'VDKXEEKPJN48QDG3BGGFAK05P8', email: 'amelia.earhart@example.com' },
      risk: { cardFingerprint: expect.stringMatching(/^sq-1-/) },
    });
  });

  it('keeps the card error of a failed payment and reads JPY in whole yen', () => {
    expect(normalized('payment.updated.failed.json')).toMatchObject({ kind: 'payment.failed', amount: { minor: 4999, currency: 'USD' }, failure: { code: 'GENERIC_DECLINE' } });
    expect(normalized('payment.created.jpy.json').amount).toEqual({ minor: 1500, currency: 'JPY' });
  });

  it('maps refunds, disputes, invoices, subscriptions and payouts', () => {
    expect(normalized('refund.updated.json')).toMatchObject({ kind: 'payment.refunded', amount: { minor: 1000, currency: 'USD' }, paymentId: 'KkAkhdMsgzn59SM8A89WgKwekxLZY' });
    expect(normalized('dispute.created.json')).toMatchObject({ kind: 'dispute.opened', amount: { minor: 8801, currency: 'USD' }, paymentId: 'UDsS4ltHjzjT0G2ZNA2rfxmk6TmZY' });
    expect(normalized('dispute.state.updated.json')).toMatchObject({ kind: 'dispute.closed' });
    expect(normalized('invoice.payment_made.json')).toMatchObject({
      kind: 'invoice.paid', amount: { minor: 2500, currency: 'USD' }, invoiceId: 'inv:0-ChCHu2mZEabLeeHahQnXDjZQECY', subscriptionId: '8151fc89-da15-4eb9-a685-1a70883cebfc',
      customer: { id: 'JDKYHBWT1D4F8MFH63DBMEN8Y4', email: 'amelia.earhart@example.com', name: 'Amelia Earhart' },
    });
    expect(normalized('invoice.scheduled_charge_failed.json')).toMatchObject({ kind: 'invoice.payment_failed' });
    expect(normalized('subscription.created.json')).toMatchObject({ kind: 'subscription.created', subscriptionId: '8151fc89-da15-4eb9-a685-1a70883cebfc' });
    expect(normalized('subscription.updated.canceled.json')).toMatchObject({ kind: 'subscription.canceled' });
    expect(normalized('payout.paid.json')).toMatchObject({ kind: 'payout.paid', amount: { minor: 6259, currency: 'USD' } });
  });

  it('keeps an unmapped type as other with the raw payload', () => {
    expect(normalized('customer.created.json')).toMatchObject({ kind: 'other', raw: JSON.parse(fixtureBytes('square', 'customer.created.json').toString()) });
  });

  it('answers malformed_body instead of throwing', () => {
    for (const text of ['', 'null', '{"event_id":"x","type":"payment.updated"}']) {
      expect(provider.normalize(webhook(text), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    }
  });

  it('builds signed examples that normalize back to their kind (checkout and renewal arrive as payment and invoice events)', async () => {
    const arrivesAs: Record<string, string> = { 'checkout.completed': 'payment.succeeded', 'subscription.renewed': 'invoice.paid' };
    for (const kind of EVENT_KINDS) {
      const out = provider.sign!(provider.example!(kind, NOW), config, NOW);
      await expect(sdkAccepts(out.body, out.headers['x-square-hmacsha256-signature'])).resolves.toBe(true);
      const result = provider.normalize(webhook(out.body, out.headers), NOW);
      expect(result.ok && result.events[0].kind).toBe(arrivesAs[kind] ?? kind);
    }
  });
});
