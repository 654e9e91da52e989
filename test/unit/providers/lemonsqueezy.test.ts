import { createHmac } from 'node:crypto';
import { lemonsqueezy as provider } from '../../../core/providers/lemonsqueezy';
import { getProvider } from '../../../core/providers';
import { fixtureBytes, webhook } from './support/gateway-requests';
import { describeHeaderHmacRefusals } from './support/hmac-refusals';

const SECRET = 'ls_signing_secret_Qm4Zp8Wx2';
const OLD_SECRET = 'ls_signing_secret_old_Hj7Kd3';
const NOW = new Date('2026-11-30T12:00:00Z');
const orderCreated = fixtureBytes('lemonsqueezy', 'order_created.json');

/** Lemon Squeezy has no SDK that verifies webhooks: the documented recipe, hex HMAC-SHA256 of the raw body. */
function sign(payload: Buffer, secret: string): Record<string, string> {
  return { 'X-Signature': createHmac('sha256', secret).update(payload).digest('hex'), 'X-Event-Name': 'order_created' };
}

describeHeaderHmacRefusals('lemonsqueezy', {
  provider,
  secret: SECRET,
  oldSecret: OLD_SECRET,
  body: orderCreated,
  now: NOW,
  headerName: 'X-Signature',
  encoding: 'hex',
  sign,
});

describe('lemonsqueezy normalize', () => {
  const normalize = (name: string) => {
    const result = provider.normalize(webhook(fixtureBytes('lemonsqueezy', name)), NOW);
    if (!result.ok) throw new Error(result.detail);
    return result.events[0];
  };

  it('is registered', () => {
    expect(getProvider('lemonsqueezy')).toBe(provider);
  });

  it('maps order_created with the derived id, cents amount and customer', () => {
    expect(normalize('order_created.json')).toMatchObject({
      id: 'order_created:1:2021-08-17T09:45:53.000000Z',
      idempotencyKey: 'lemonsqueezy:order_created:1:2021-08-17T09:45:53.000000Z',
      type: 'order_created',
      kind: 'payment.succeeded',
      occurredAt: '2021-08-17T09:45:53.000Z',
      livemode: false,
      amount: { minor: 1199, currency: 'USD' },
      paymentId: '1',
      reference: '104e18a2-d755-4d4b-80c4-a6c1dcbe1c10',
      customer: { id: '1', email: 'johndoe@example.com', name: 'John Doe' },
    });
  });

  it('maps a subscription payment to a paid invoice of that subscription', () => {
    expect(normalize('subscription_payment_success.json')).toMatchObject({
      kind: 'invoice.paid',
      livemode: true,
      amount: { minor: 1650, currency: 'EUR' },
      invoiceId: '1',
      subscriptionId: '1',
      paymentMethod: 'card',
    });
  });

  it('maps a cancelled subscription', () => {
    const event = normalize('subscription_cancelled.json');
    expect(event).toMatchObject({ kind: 'subscription.canceled', subscriptionId: '1', paymentId: '1' });
    expect(event.amount).toBeUndefined();
  });

  it('takes a pending order as pending, and a later change of the same order as a new event', () => {
    const order = JSON.parse(orderCreated.toString());
    order.data.attributes.status = 'pending';
    const pending = provider.normalize(webhook(JSON.stringify(order)), NOW);
    expect(pending).toMatchObject({ ok: true, events: [{ kind: 'payment.pending' }] });
    order.data.attributes.updated_at = '2021-08-17T10:00:00.000000Z';
    const later = provider.normalize(webhook(JSON.stringify(order)), NOW);
    expect(later.ok && pending.ok && later.events[0].id !== pending.events[0].id).toBe(true);
  });

  it('refuses a body without the fields of the derived id', () => {
    expect(provider.normalize(webhook('{"meta":{"event_name":"order_created"},"data":{"id":"1"}}'), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });

  it('signs examples for each mapped kind that verify and normalize back', async () => {
    for (const kind of ['payment.succeeded', 'payment.refunded', 'subscription.created', 'subscription.canceled', 'invoice.paid', 'invoice.payment_failed'] as const) {
      const signed = provider.sign!(provider.example!(kind, NOW), { secrets: [SECRET] }, NOW);
      expect(signed.headers['x-signature']).toBe(createHmac('sha256', SECRET).update(signed.body).digest('hex'));
      await expect(provider.verify(webhook(signed.body, signed.headers), { secrets: [SECRET] }, { now: NOW })).resolves.toMatchObject({ ok: true });
      expect(provider.normalize(webhook(signed.body), NOW)).toMatchObject({ ok: true, events: [{ kind }] });
    }
  });
});
