import { createHmac } from 'node:crypto';
import { mollie as provider } from '../../../core/providers/mollie';
import { getProvider } from '../../../core/providers';
import type { PaymentEvent } from '../../../core/event';
import { expectRefusal, fixtureBytes, fixtureJson, webhook } from './support/gateway-requests';
import { describeHeaderHmacRefusals } from './support/hmac-refusals';
import { startLoopbackApi, type LoopbackApi } from './support/loopback-api';

const SECRET = 'mollie_whsec_3kQ8vN2pL7xR4tY9';
const OLD_SECRET = 'mollie_whsec_old_6hJ1cM5bW8';
const API_KEY = 'test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM';
const NOW = new Date('2026-11-30T12:00:00Z');
const nextGen = fixtureBytes('mollie', 'nextgen-payment-link-paid.json');

/** Mollie's documented next-gen recipe (no SDK verifies it): `sha256=` + hex HMAC-SHA256 of the raw body. */
function sign(payload: Buffer, secret: string): Record<string, string> {
  return { 'X-Mollie-Signature': `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`, 'Content-Type': 'application/json' };
}

const classic = (id: string) => webhook(`id=${id}`, { 'Content-Type': 'application/x-www-form-urlencoded' });

describeHeaderHmacRefusals('mollie next-gen', {
  provider,
  secret: SECRET,
  oldSecret: OLD_SECRET,
  body: nextGen,
  now: NOW,
  headerName: 'X-Mollie-Signature',
  encoding: 'hex',
  prefix: 'sha256=',
  sign,
});

describe('mollie verify', () => {
  it('is registered', () => {
    expect(getProvider('mollie')).toBe(provider);
  });

  it('accepts an unsigned classic webhook only as a signal to fetch', async () => {
    await expect(provider.verify(classic('tr_7UhSN1zuXS'), { secrets: [] }, { now: NOW })).resolves.toEqual({ ok: true });
    const result = provider.normalize(classic('tr_7UhSN1zuXS'), NOW);
    expect(result).toMatchObject({
      ok: true,
      events: [{ id: 'tr_7UhSN1zuXS', kind: 'other', paymentId: 'tr_7UhSN1zuXS', verification: 'fetch_required' }],
    });
  });

  it('refuses an unsigned JSON body, and a prefix other than sha256=', async () => {
    await expectRefusal(provider, webhook(nextGen), { secrets: [SECRET] }, NOW, 'missing_signature');
    const hex = createHmac('sha256', SECRET).update(nextGen).digest('hex');
    await expectRefusal(provider, webhook(nextGen, { 'X-Mollie-Signature': `sha512=${hex}` }), { secrets: [SECRET] }, NOW, 'malformed_signature');
  });

  it('does not take a form body with extra fields or a strange id as classic', async () => {
    await expectRefusal(provider, webhook('id=tr_1&amount=100'), { secrets: [] }, NOW, 'missing_signature');
    await expectRefusal(provider, webhook('id=../../v2/refunds'), { secrets: [] }, NOW, 'missing_signature');
  });
});

describe('mollie normalize (next-gen)', () => {
  it('maps payment-link.paid with its decimal amount', () => {
    const result = provider.normalize(webhook(nextGen, sign(nextGen, SECRET)), NOW);
    expect(result).toMatchObject({
      ok: true,
      events: [
        {
          id: 'event_GvJ8WHrp5isUdRub9CJyH',
          type: 'payment-link.paid',
          kind: 'checkout.completed',
          occurredAt: '2024-12-16T15:57:04.000Z',
          livemode: true,
          amount: { minor: 2495, currency: 'EUR' },
          reference: 'pl_qng5gbbv8NAZ5gpM5ZYgx',
          verification: 'signature',
          idempotencyKey: 'mollie:event_GvJ8WHrp5isUdRub9CJyH',
        },
      ],
    });
  });

  it('answers a body that is neither classic nor JSON with malformed_body', () => {
    expect(provider.normalize(webhook('hello'), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    expect(provider.normalize(webhook('{"resource":"event"}'), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });

  it('signs example events that verify and normalize back to their kind', async () => {
    for (const kind of ['checkout.completed', 'invoice.created', 'invoice.paid'] as const) {
      const signed = provider.sign!(provider.example!(kind, NOW), { secrets: [SECRET] }, NOW);
      await expect(provider.verify(webhook(signed.body, signed.headers), { secrets: [SECRET] }, { now: NOW })).resolves.toMatchObject({ ok: true });
      expect(provider.normalize(webhook(signed.body, signed.headers), NOW)).toMatchObject({ ok: true, events: [{ kind }] });
    }
  });
});

describe('mollie confirm (classic) against a loopback API serving recorded payments', () => {
  let api: LoopbackApi;
  const paid = fixtureJson('mollie', 'payment-paid.json');
  const refunded = { ...paid, id: 'tr_Refunded1', amountRefunded: { value: '50.00', currency: 'EUR' } };

  beforeAll(async () => {
    api = await startLoopbackApi({
      '/v2/payments/tr_7UhSN1zuXS': { status: 200, body: fixtureBytes('mollie', 'payment-open.json') },
      '/v2/payments/tr_fNAwjMs3WT': { status: 200, body: fixtureBytes('mollie', 'payment-paid.json') },
      // The paid payment after a partial refund: the recorded response with amountRefunded raised.
      '/v2/payments/tr_Refunded1': { status: 200, body: JSON.stringify(refunded) },
      '/v2/payments/tr_Mismatch1': { status: 200, body: fixtureBytes('mollie', 'payment-paid.json') },
    });
  });
  afterAll(() => api.close());

  const config = () => ({ secrets: [], apiKey: API_KEY, apiBaseUrl: api.baseUrl });
  const signal = (id: string): PaymentEvent => {
    const result = provider.normalize(classic(id), NOW);
    if (!result.ok) throw new Error(result.detail);
    return result.events[0];
  };

  it('fetches a paid payment with the API key and returns the confirmed event', async () => {
    const result = await provider.confirm!(signal('tr_fNAwjMs3WT'), config(), { now: NOW, fetch });
    expect(result).toMatchObject({
      ok: true,
      event: {
        id: 'tr_fNAwjMs3WT:paid',
        idempotencyKey: 'mollie:tr_fNAwjMs3WT:paid',
        type: 'payment.paid',
        kind: 'payment.succeeded',
        occurredAt: '2019-03-07T09:23:55.000Z',
        livemode: false,
        amount: { minor: 18361, currency: 'EUR' },
        paymentId: 'tr_fNAwjMs3WT',
        paymentMethod: 'ideal',
        customer: { name: 'T. TEST' },
        verification: 'confirmed',
      },
    });
    expect(api.received.at(-1)).toEqual({ method: 'GET', path: '/v2/payments/tr_fNAwjMs3WT', authorization: `Bearer ${API_KEY}` });
  });

  it('takes an open payment as pending, with the GBP amount', async () => {
    const result = await provider.confirm!(signal('tr_7UhSN1zuXS'), config(), { now: NOW, fetch });
    expect(result).toMatchObject({ ok: true, event: { id: 'tr_7UhSN1zuXS:open', kind: 'payment.pending', amount: { minor: 7500, currency: 'GBP' } } });
  });

  it('takes a refunded payment as a refund of the refunded amount, with its own id', async () => {
    const result = await provider.confirm!(signal('tr_Refunded1'), config(), { now: NOW, fetch });
    expect(result).toMatchObject({ ok: true, event: { id: 'tr_Refunded1:refunded:50.00', kind: 'payment.refunded', amount: { minor: 5000, currency: 'EUR' } } });
  });

  it('refuses with confirm_failed when the API does not know the payment or returns another one', async () => {
    const unknown = await provider.confirm!(signal('tr_Unknown1'), config(), { now: NOW, fetch });
    expect(unknown).toMatchObject({ ok: false, reason: 'confirm_failed' });
    expect(unknown.ok ? '' : unknown.detail).toContain('404');
    expect(unknown.ok ? '' : unknown.detail).not.toContain(API_KEY);
    await expect(provider.confirm!(signal('tr_Mismatch1'), config(), { now: NOW, fetch })).resolves.toMatchObject({ ok: false, reason: 'confirm_failed' });
  });

  it('needs an API key, and passes signed next-gen events through unchanged', async () => {
    await expect(provider.confirm!(signal('tr_fNAwjMs3WT'), { secrets: [] }, { now: NOW, fetch })).resolves.toMatchObject({ ok: false, reason: 'missing_secret' });
    const result = provider.normalize(webhook(nextGen), NOW);
    if (!result.ok) throw new Error(result.detail);
    await expect(provider.confirm!(result.events[0], config(), { now: NOW, fetch })).resolves.toEqual({ ok: true, event: result.events[0] });
  });
});
