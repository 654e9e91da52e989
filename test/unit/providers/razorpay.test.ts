import { createHmac } from 'node:crypto';
import { validateWebhookSignature } from 'razorpay/dist/utils/razorpay-utils';
import { razorpay as provider } from '../../../core/providers/razorpay';
import { getProvider } from '../../../core/providers';
import { EVENT_KINDS } from '../../../core/event';
import { expectRefusal, fixtureBytes, webhook, withOneWhitespaceByte } from './support/gateway-requests';

const SECRET = 'rzp_webhook_9fK2mQx7Lp4sVt1Z';
const OLD_SECRET = 'rzp_webhook_old_3hJ8wNc5Rb2Y';
const NOW = new Date('2026-11-30T12:00:00Z');
const config = { secrets: [SECRET] };
const body = fixtureBytes('razorpay', 'payment.captured.json');
const EVENT_ID = 'EYhj7qQB8wLpMt';

/**
 * The Razorpay SDK verifies but cannot sign, so requests are signed with Razorpay's documented
 * recipe (hex HMAC-SHA256 of the raw body with the webhook secret) and checked with the SDK.
 */
function signed(payload: Buffer, secret = SECRET) {
  const signature = createHmac('sha256', secret).update(payload).digest('hex');
  return webhook(payload, { 'X-Razorpay-Signature': signature, 'X-Razorpay-Event-Id': EVENT_ID });
}

const sdkAccepts = (payload: Buffer, signature: string, secret = SECRET) => validateWebhookSignature(payload.toString('utf8'), signature, secret);

describe('razorpay verify', () => {
  it('is registered', () => {
    expect(getProvider('razorpay')).toBe(provider);
  });

  it('accepts a request signed with the documented recipe, which the SDK accepts too', async () => {
    const request = signed(body);
    await expect(provider.verify(request, config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    expect(sdkAccepts(body, request.headers['X-Razorpay-Signature'] as string)).toBe(true);
  });

  it('signs (send-test-event) in a way the SDK accepts', () => {
    const out = provider.sign!(body, config, NOW);
    expect(sdkAccepts(out.body, out.headers['x-razorpay-signature'])).toBe(true);
  });

  it('accepts both secrets during a rotation', async () => {
    const rotating = { secrets: [OLD_SECRET, SECRET] };
    await expect(provider.verify(signed(body, OLD_SECRET), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(signed(body), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 1 });
  });

  it('refuses a tampered body, a wrong secret and a one-whitespace-byte change', async () => {
    const request = signed(body);
    const tampered = Buffer.from(body.toString().replace('"amount":100', '"amount":1'));
    expect(tampered.equals(body)).toBe(false);
    await expectRefusal(provider, { ...request, rawBody: tampered }, config, NOW, 'signature_mismatch');
    await expectRefusal(provider, signed(body, OLD_SECRET), config, NOW, 'signature_mismatch');
    await expectRefusal(provider, { ...request, rawBody: withOneWhitespaceByte(body) }, config, NOW, 'signature_mismatch');
    expect(sdkAccepts(tampered, request.headers['X-Razorpay-Signature'] as string)).toBe(false);
  });

  it('refuses missing, truncated and wrongly encoded signatures', async () => {
    const hex = signed(body).headers['X-Razorpay-Signature'] as string;
    await expectRefusal(provider, webhook(body), config, NOW, 'missing_signature');
    await expectRefusal(provider, webhook(body, { 'x-razorpay-signature': hex.slice(0, 32) }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, webhook(body, { 'x-razorpay-signature': Buffer.from(hex, 'hex').toString('base64') }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, webhook(body, { 'x-razorpay-signature': `sha256=${hex}` }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, signed(body), { secrets: [] }, NOW, 'missing_secret');
  });
});

describe('razorpay normalize', () => {
  const normalized = (name: string, headers: Record<string, string> = { 'x-razorpay-event-id': EVENT_ID }) => {
    const result = provider.normalize(webhook(fixtureBytes('razorpay', name), headers), NOW);
    if (!result.ok) throw new Error(result.detail);
    return result.events[0];
  };

  it('maps a captured payment, its id derived from the signed body, not the unsigned event id header', () => {
    expect(normalized('payment.captured.json')).toMatchObject({
      id: 'payment.captured:pay_DESlfW9H8K9uqM:1567674606',
      idempotencyKey: 'razorpay:payment.captured:pay_DESlfW9H8K9uqM:1567674606',
      type: 'payment.captured',
      kind: 'payment.succeeded',
      occurredAt: new Date(1567674606 * 1000).toISOString(), amount: { minor: 100, currency: 'INR' },
      paymentId: 'pay_DESlfW9H8K9uqM', reference: 'order_DESlLckIVRkHWj', paymentMethod: 'netbanking',
      customer: { id: 'cust_DzYEzfJLV03rkp', email: 'gaurav.kumar@example.com' },
    });
  });

  it('gives the same id whatever the unsigned event id header says, or without it', () => {
    const headerSets: Array<Record<string, string>> = [{}, { 'x-razorpay-event-id': ' ' }, { 'x-razorpay-event-id': 'forged-1' }, { 'x-razorpay-event-id': 'forged-2' }];
    for (const headers of headerSets) {
      expect(normalized('payment.captured.json', headers).id).toBe('payment.captured:pay_DESlfW9H8K9uqM:1567674606');
    }
  });

  it('keeps the error of a failed payment, and reads KWD in fils (three decimals)', () => {
    expect(normalized('payment.failed.json')).toMatchObject({
      kind: 'payment.failed', amount: { minor: 50000, currency: 'INR' }, paymentMethod: 'card',
      failure: { code: 'BAD_REQUEST_ERROR', declineCode: 'payment_cancelled', message: expect.stringContaining('cancelled') },
    });
    expect(normalized('payment.captured.kwd.json').amount).toEqual({ minor: 295990, currency: 'KWD' });
  });

  it('maps refunds, disputes, orders, invoices and subscriptions', () => {
    expect(normalized('refund.processed.json')).toMatchObject({ kind: 'payment.refunded', amount: { minor: 100, currency: 'INR' }, paymentId: 'pay_DESlfW9H8K9uqM' });
    expect(normalized('payment.dispute.created.json')).toMatchObject({ kind: 'dispute.opened', amount: { minor: 100, currency: 'INR' }, paymentId: 'pay_DESlfW9H8K9uqM' });
    expect(normalized('order.paid.json')).toMatchObject({ kind: 'checkout.completed', reference: 'rcptid #1', paymentMethod: 'upi' });
    expect(normalized('invoice.paid.json')).toMatchObject({ kind: 'invoice.paid', amount: { minor: 79900, currency: 'INR' }, invoiceId: 'inv_F3aCmhYPaxLvQL', subscriptionId: 'sub_F3aCSFafmSJtGM' });
    expect(normalized('subscription.charged.json')).toMatchObject({ kind: 'subscription.renewed', subscriptionId: 'sub_F3aCSFafmSJtGM', invoiceId: 'inv_F3aCmhYPaxLvQL', paymentId: 'pay_F3aCnqFRjI6JfW' });
    expect(normalized('subscription.cancelled.json')).toMatchObject({ kind: 'subscription.canceled', customer: { id: 'cust_DzYEzfJLV03rkp' } });
    expect(normalized('payment.authorized.json')).toMatchObject({ kind: 'payment.pending' });
  });

  it('keeps an unmapped event as other with the raw payload', () => {
    expect(normalized('virtual_account.created.json')).toMatchObject({ kind: 'other', raw: JSON.parse(fixtureBytes('razorpay', 'virtual_account.created.json').toString()) });
  });

  it('answers malformed_body instead of throwing', () => {
    for (const text of ['{', '"x"', '{"event":"payment.captured"}']) {
      expect(provider.normalize(webhook(text), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    }
  });

  it('builds signed examples that normalize back to their kind (Razorpay has no invoice.created or invoice.payment_failed)', () => {
    for (const kind of EVENT_KINDS) {
      const out = provider.sign!(provider.example!(kind, NOW), config, NOW);
      expect(sdkAccepts(out.body, out.headers['x-razorpay-signature'])).toBe(true);
      const result = provider.normalize(webhook(out.body, out.headers), NOW);
      const expected = kind === 'invoice.created' || kind === 'invoice.payment_failed' ? 'other' : kind;
      expect(result.ok && result.events[0].kind).toBe(expected);
    }
  });
});
