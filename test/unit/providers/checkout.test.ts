import { createHmac } from 'node:crypto';
import { checkout as provider, checkoutAmount } from '../../../core/providers/checkout';
import { getProvider } from '../../../core/providers';
import { expectRefusal, fixtureBytes, webhook } from './support/gateway-requests';
import { describeHeaderHmacRefusals } from './support/hmac-refusals';

const SECRET = 'cko_sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e';
const OLD_SECRET = 'cko_sk_sbox_old_2vq4xk8f1n';
const NOW = new Date('2026-11-30T12:00:00Z');
const body = fixtureBytes('checkout', 'payment_captured.json');

/**
 * Checkout.com has no SDK that signs or verifies webhooks: requests are signed with the
 * documented recipe, the hex HMAC-SHA256 of the raw body with the signature key (node:crypto).
 */
function sign(payload: Buffer, secret: string): Record<string, string> {
  return { 'Cko-Signature': createHmac('sha256', secret).update(payload).digest('hex'), 'Content-Type': 'application/json' };
}

describeHeaderHmacRefusals('checkout', {
  provider,
  secret: SECRET,
  oldSecret: OLD_SECRET,
  body,
  now: NOW,
  headerName: 'Cko-Signature',
  encoding: 'hex',
  sign,
});

describe('checkout verify with an Authorization header', () => {
  const config = { secrets: [SECRET], authorization: 'Bearer 5f3c7a1e-auth-value' };

  it('is registered', () => {
    expect(getProvider('checkout')).toBe(provider);
  });

  it('accepts the configured Authorization value with a valid signature', async () => {
    const request = webhook(body, { ...sign(body, SECRET), Authorization: config.authorization });
    await expect(provider.verify(request, config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
  });

  it('refuses a missing or different Authorization header even with a valid signature', async () => {
    await expectRefusal(provider, webhook(body, sign(body, SECRET)), config, NOW, 'missing_signature');
    const wrong = webhook(body, { ...sign(body, SECRET), Authorization: 'Bearer 5f3c7a1e-auth-valuf' });
    const result = await provider.verify(wrong, config, { now: NOW });
    expect(result).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(result.ok ? '' : result.detail).not.toContain('5f3c7a1e');
  });

  it('signs test events with the signature and the Authorization value, which verify accepts', async () => {
    const example = provider.example!('payment.succeeded', NOW);
    const signed = provider.sign!(example, config, NOW);
    expect(signed.headers.authorization).toBe(config.authorization);
    expect(signed.headers['cko-signature']).toBe(createHmac('sha256', SECRET).update(example).digest('hex'));
    await expect(provider.verify(webhook(signed.body, signed.headers), config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
  });
});

describe('checkout normalize', () => {
  const normalize = (name: string) => {
    const result = provider.normalize(webhook(fixtureBytes('checkout', name)), NOW);
    if (!result.ok) throw new Error(result.detail);
    expect(result.events).toHaveLength(1);
    return result.events[0];
  };

  it('maps a captured payment with amount, customer, method, risk and reference', () => {
    const event = normalize('payment_captured.json');
    expect(event).toMatchObject({
      id: 'evt_dli6ty4qo5vuxle5wklf5gwbwy',
      provider: 'checkout',
      type: 'payment_captured',
      kind: 'payment.succeeded',
      occurredAt: '2019-05-23T09:02:53.000Z',
      receivedAt: NOW.toISOString(),
      amount: { minor: 6540, currency: 'USD' },
      paymentId: 'pay_waji5li4rcbexcnfzvmr7twb3a',
      reference: 'ORD-5023-4E89',
      paymentMethod: 'card',
      customer: { id: 'cus_udst2tfldj6upmye2reztkmm4i', email: 'brucewayne@gmail.com', name: 'Bruce Wayne' },
      risk: { providerScore: 12, cardFingerprint: 'F31828E2BDABAE63EB694903825CDD36041CC6ED461440B81415895855502832' },
      idempotencyKey: 'checkout:evt_dli6ty4qo5vuxle5wklf5gwbwy',
      verification: 'signature',
    });
    expect(event.raw).toEqual(JSON.parse(body.toString('utf8')));
  });

  it('maps a decline with its response code, and KWD in thousandths', () => {
    const event = normalize('payment_declined.json');
    expect(event.kind).toBe('payment.failed');
    expect(event.failure).toEqual({ code: '20051', message: 'Insufficient Funds' });
    expect(event.amount).toEqual({ minor: 10000, currency: 'KWD' });
  });

  it('maps a refund, converting Checkout.com CLP hundredths to ISO CLP units', () => {
    const event = normalize('payment_refunded.json');
    expect(event.kind).toBe('payment.refunded');
    expect(event.amount).toEqual({ minor: 1500, currency: 'CLP' });
  });

  it('maps a dispute to the disputed payment, JPY as the full amount', () => {
    const event = normalize('dispute_received.json');
    expect(event).toMatchObject({
      kind: 'dispute.opened',
      paymentId: 'pay_88sxvsatwkluzmqtvbuyy3ty5y',
      reference: 'ORD-0042-JP',
      amount: { minor: 1000, currency: 'JPY' },
    });
  });

  it('converts amounts per Checkout.com exponents and leaves out the unconvertible', () => {
    expect(checkoutAmount(6540, 'usd')).toEqual({ minor: 6540, currency: 'USD' });
    expect(checkoutAmount(100, 'ISK')).toEqual({ minor: 100, currency: 'ISK' });
    expect(checkoutAmount(1050, 'CLP')).toBeUndefined();
    expect(checkoutAmount(1.5, 'USD')).toBeUndefined();
    expect(checkoutAmount(100, 'ZZZ')).toBeUndefined();
  });

  it('keeps unknown types as other with the raw payload', () => {
    const result = provider.normalize(webhook('{"id":"evt_1","type":"card_verified","data":{}}'), NOW);
    expect(result).toMatchObject({ ok: true, events: [{ kind: 'other', type: 'card_verified', raw: { id: 'evt_1' } }] });
  });

  it('answers malformed bodies with malformed_body', () => {
    expect(provider.normalize(webhook('{"type":"payment_captured"}'), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    expect(provider.normalize(webhook('not json'), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });

  it('gives an example for each mapped kind that normalizes back to that kind', () => {
    for (const kind of ['payment.succeeded', 'payment.failed', 'payment.refunded', 'dispute.opened'] as const) {
      const result = provider.normalize(webhook(provider.example!(kind, NOW)), NOW);
      expect(result).toMatchObject({ ok: true, events: [{ kind }] });
    }
  });
});
