import { createHmac } from 'node:crypto';
import { paystack as provider } from '../../../core/providers/paystack';
import { getProvider } from '../../../core/providers';
import type { PaymentEvent } from '../../../core/event';
import { fixtureBytes, fixtureJson, webhook } from './support/gateway-requests';
import { describeHeaderHmacRefusals } from './support/hmac-refusals';
import { startLoopbackApi, type LoopbackApi } from './support/loopback-api';

const SECRET = 'sk_test_6a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
const OLD_SECRET = 'sk_test_0f9e8d7c6b5a49382716a5b4c3d2e1f098765432';
const NOW = new Date('2026-11-30T12:00:00Z');
const chargeSuccess = fixtureBytes('paystack', 'charge-success.json');

/** Paystack publishes no Node SDK that verifies webhooks: its recipe, hex HMAC-SHA512 of the raw body with the secret key. */
function sign(payload: Buffer, secret: string): Record<string, string> {
  return { 'x-paystack-signature': createHmac('sha512', secret).update(payload).digest('hex'), 'Content-Type': 'application/json' };
}

describeHeaderHmacRefusals('paystack', {
  provider,
  secret: SECRET,
  oldSecret: OLD_SECRET,
  body: chargeSuccess,
  now: NOW,
  headerName: 'x-paystack-signature',
  encoding: 'hex',
  sign,
});

function normalized(body: Buffer): PaymentEvent {
  const result = provider.normalize(webhook(body), NOW);
  if (!result.ok) throw new Error(result.detail);
  return result.events[0];
}

describe('paystack normalize', () => {
  it('is registered', () => {
    expect(getProvider('paystack')).toBe(provider);
  });

  it('maps charge.success with the derived id, kobo amount, customer, channel and card signature', () => {
    expect(normalized(chargeSuccess)).toMatchObject({
      id: 'charge.success:qTPrJoy9Bx:302961',
      idempotencyKey: 'paystack:charge.success:qTPrJoy9Bx:302961',
      type: 'charge.success',
      kind: 'payment.succeeded',
      occurredAt: '2016-09-30T21:10:19.000Z',
      livemode: true,
      amount: { minor: 10000, currency: 'NGN' },
      paymentId: '302961',
      reference: 'qTPrJoy9Bx',
      paymentMethod: 'card',
      customer: { id: 'CUS_qo38as2hpsgk2r0', email: 'bojack@horseman.com', name: 'BoJack Horseman' },
      risk: { ip: '41.242.49.37' },
      verification: 'signature',
    });
  });

  it('maps refund.processed to a refund of the charge', () => {
    expect(normalized(fixtureBytes('paystack', 'refund-processed.json'))).toMatchObject({
      id: 'refund.processed:1234567',
      kind: 'payment.refunded',
      amount: { minor: 10000, currency: 'NGN' },
      reference: 'qTPrJoy9Bx',
    });
  });

  it('maps disputes, subscriptions, invoices and transfers', () => {
    const kinds = ['charge.dispute.create', 'charge.dispute.resolve', 'subscription.create', 'subscription.disable', 'invoice.create', 'invoice.payment_failed', 'transfer.success'].map(
      (event) => normalized(Buffer.from(JSON.stringify({ event, data: { id: 1, reference: 'r1' } }))).kind,
    );
    expect(kinds).toEqual(['dispute.opened', 'dispute.closed', 'subscription.created', 'subscription.canceled', 'invoice.created', 'invoice.payment_failed', 'payout.paid']);
    expect(normalized(Buffer.from('{"event":"invoice.update","data":{"id":2,"paid":true}}')).kind).toBe('invoice.paid');
    expect(normalized(Buffer.from('{"event":"invoice.update","data":{"id":2,"paid":false}}')).kind).toBe('other');
  });

  it('refuses an event with neither reference nor id', () => {
    expect(provider.normalize(webhook('{"event":"charge.success","data":{}}'), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });

  it('signs examples that verify and normalize back to their kind', async () => {
    for (const kind of ['payment.succeeded', 'payment.refunded', 'dispute.opened', 'subscription.created', 'invoice.paid'] as const) {
      const signed = provider.sign!(provider.example!(kind, NOW), { secrets: [SECRET] }, NOW);
      expect(signed.headers['x-paystack-signature']).toBe(createHmac('sha512', SECRET).update(signed.body).digest('hex'));
      await expect(provider.verify(webhook(signed.body, signed.headers), { secrets: [SECRET] }, { now: NOW })).resolves.toMatchObject({ ok: true });
      expect(normalized(signed.body).kind).toBe(kind);
    }
  });
});

describe('paystack confirm against a loopback API serving the recorded verify response', () => {
  let api: LoopbackApi;
  const verify = fixtureJson<{ data: Record<string, unknown> }>('paystack', 'verify-success.json');

  beforeAll(async () => {
    api = await startLoopbackApi({
      '/transaction/verify/qTPrJoy9Bx': { status: 200, body: fixtureBytes('paystack', 'verify-success.json') },
      // The same recorded response after the charge was reversed.
      '/transaction/verify/reversed1': { status: 200, body: JSON.stringify({ ...verify, data: { ...verify.data, reference: 'reversed1', status: 'reversed' } }) },
    });
  });
  afterAll(() => api.close());

  it('fetches the transaction with the secret key and returns the confirmed event', async () => {
    const result = await provider.confirm!(normalized(chargeSuccess), { secrets: [SECRET], apiBaseUrl: api.baseUrl }, { now: NOW, fetch });
    expect(result).toMatchObject({
      ok: true,
      event: { id: 'charge.success:qTPrJoy9Bx:302961', kind: 'payment.succeeded', amount: { minor: 10000, currency: 'NGN' }, verification: 'confirmed', risk: { cardFingerprint: 'SIG_uSYN4fv1adlAuoij8QXh' } },
    });
    expect(api.received.at(-1)).toEqual({ method: 'GET', path: '/transaction/verify/qTPrJoy9Bx', authorization: `Bearer ${SECRET}` });
  });

  it('reports the current state: a reversed charge is confirmed as refunded', async () => {
    const body = Buffer.from(chargeSuccess.toString().replace('"qTPrJoy9Bx"', '"reversed1"'));
    const result = await provider.confirm!(normalized(body), { secrets: [SECRET], apiBaseUrl: api.baseUrl }, { now: NOW, fetch });
    expect(result).toMatchObject({ ok: true, event: { kind: 'payment.refunded' } });
  });

  it('refuses with confirm_failed when the API does not know the reference, without the key in the detail', async () => {
    const body = Buffer.from(chargeSuccess.toString().replace('"qTPrJoy9Bx"', '"unknown-ref"'));
    const result = await provider.confirm!(normalized(body), { secrets: [SECRET], apiBaseUrl: api.baseUrl }, { now: NOW, fetch });
    expect(result).toMatchObject({ ok: false, reason: 'confirm_failed' });
    expect(result.ok ? '' : result.detail).not.toContain(SECRET);
  });

  it('passes events that are not about a charge through unchanged', async () => {
    const event = normalized(fixtureBytes('paystack', 'refund-processed.json'));
    await expect(provider.confirm!(event, { secrets: [SECRET], apiBaseUrl: api.baseUrl }, { now: NOW, fetch })).resolves.toEqual({ ok: true, event });
  });
});
