import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { EventKind, PaymentEvent } from '../../../core/event';
import { ADMIN_TOKEN, redisStorage, startDestination, tempDir, waitFor, type Destination } from '../support/harness';
import type { Insights } from '../../../core/insights/types';
import type { Runtime } from '../../../runtime/src/runtime';
import { observedConfig, startObserved } from './support';

/**
 * /admin/insights after a known set of events: every figure equals the value computed by
 * hand below. The events are canonical PaymentEvents sent through a Standard Webhooks
 * source (signed by the `standardwebhooks` SDK), which passes them through unchanged, so
 * gateway, payment method, ids and times are exactly as written here. Both storage modes
 * give the same figures.
 */
jest.setTimeout(60_000);

const SOURCE_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const dir = tempDir();
const signer = new Webhook(SOURCE_SECRET);

type Extra = Partial<Pick<PaymentEvent, 'paymentMethod' | 'paymentId' | 'invoiceId' | 'subscriptionId' | 'amount'>>;

function event(provider: string, id: string, kind: EventKind, occurredAt: string, extra: Extra = {}): PaymentEvent {
  return { id, provider, type: kind, kind, occurredAt, receivedAt: occurredAt, idempotencyKey: `${provider}:${id}`, raw: { id }, ...extra };
}

const usd = (minor: number) => ({ minor, currency: 'USD' });
const eur = (minor: number) => ({ minor, currency: 'EUR' });
const gbp = (minor: number) => ({ minor, currency: 'GBP' });

const EVENTS: PaymentEvent[] = [
  // Stripe, card: 3 succeeded, 1 failed (F1, later recovered by invoice in_1 being paid).
  event('stripe', 'evt_s1', 'payment.succeeded', '2026-11-20T08:00:00Z', { paymentMethod: 'card', paymentId: 'pi_s1', amount: usd(1000) }),
  event('stripe', 'evt_s2', 'payment.succeeded', '2026-11-20T09:00:00Z', { paymentMethod: 'card', paymentId: 'pi_s2', amount: usd(2500) }),
  event('stripe', 'evt_s3', 'payment.succeeded', '2026-11-21T07:00:00Z', { paymentMethod: 'card', paymentId: 'pi_s3', amount: eur(700) }),
  event('stripe', 'evt_f1', 'payment.failed', '2026-11-20T10:00:00Z', { paymentMethod: 'card', paymentId: 'pi_1', invoiceId: 'in_1', amount: usd(4000) }),
  event('stripe', 'evt_i1', 'invoice.paid', '2026-11-20T12:00:00Z', { paymentMethod: 'card', invoiceId: 'in_1', amount: usd(4000) }),
  // Stripe, card: an invoice payment failure nothing resolves (open).
  event('stripe', 'evt_i5', 'invoice.payment_failed', '2026-11-21T10:00:00Z', { paymentMethod: 'card', invoiceId: 'in_5', subscriptionId: 'sub_5', amount: usd(900) }),
  // Stripe, SEPA debit: 1 succeeded, 1 failed (F2, its subscription canceled afterwards).
  event('stripe', 'evt_s4', 'payment.succeeded', '2026-11-21T11:00:00Z', { paymentMethod: 'sepa_debit', paymentId: 'pi_s4', amount: eur(1500) }),
  event('stripe', 'evt_f2', 'payment.failed', '2026-11-15T10:00:00Z', { paymentMethod: 'sepa_debit', paymentId: 'pi_2', subscriptionId: 'sub_2', amount: eur(1500) }),
  // Adyen, card: 1 succeeded (recovers F3), 2 failed (F3 recovered, F4 open).
  event('adyen', 'psp_f3', 'payment.failed', '2026-11-22T08:00:00Z', { paymentMethod: 'card', paymentId: 'psp_3', amount: eur(3000) }),
  event('adyen', 'psp_s3', 'payment.succeeded', '2026-11-22T09:00:00Z', { paymentMethod: 'card', paymentId: 'psp_3', amount: eur(3000) }),
  event('adyen', 'psp_f4', 'payment.failed', '2026-11-22T10:00:00Z', { paymentMethod: 'card', paymentId: 'psp_4', amount: eur(800) }),
  // Adyen, PayPal: 2 succeeded.
  event('adyen', 'psp_p1', 'payment.succeeded', '2026-11-22T11:00:00Z', { paymentMethod: 'paypal', paymentId: 'psp_p1', amount: gbp(450) }),
  event('adyen', 'psp_p2', 'payment.succeeded', '2026-11-22T12:00:00Z', { paymentMethod: 'paypal', paymentId: 'psp_p2', amount: gbp(550) }),
  // Cancellations: Monday 09:15 and 09:45, Thursday 22:05, Sunday 03:30 (UTC).
  event('stripe', 'evt_c1', 'subscription.canceled', '2026-11-16T09:15:00Z', { subscriptionId: 'sub_2' }),
  event('stripe', 'evt_c2', 'subscription.canceled', '2026-11-16T09:45:00Z', { subscriptionId: 'sub_7' }),
  event('stripe', 'evt_c3', 'subscription.canceled', '2026-11-19T22:05:00Z', { subscriptionId: 'sub_8' }),
  event('stripe', 'evt_c4', 'subscription.canceled', '2026-11-22T03:30:00Z', { subscriptionId: 'sub_9' }),
];

/** The destination refuses these two for good (one card, one PayPal): they end as dead letters. */
const REFUSED = new Set(['stripe:evt_s2', 'adyen:psp_p1']);

async function send(url: string, payment: PaymentEvent): Promise<number> {
  const body = JSON.stringify(payment);
  const now = new Date();
  // The SDK returns the signature alone; the id and the timestamp it signed travel beside it.
  const response = await fetch(`${url}/webhooks/events`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': payment.idempotencyKey,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signer.sign(payment.idempotencyKey, now, body),
    },
  });
  return response.status;
}

function config(storage: string, destinationUrl: string) {
  return observedConfig({
    storage,
    destinationUrl,
    retry: { maxAttempts: 1, initialDelayMs: 5, maxDelayMs: 10 },
    // A trusted feeder of canonical events, as a runtime delivering to another would be.
    sources: [{ name: 'events', provider: 'standard-webhooks', secrets: [SOURCE_SECRET], acceptCanonicalEvents: true }],
  });
}

afterAll(() => dir.remove());

describe.each([
  ['SQLite', () => `sqlite:${join(dir.path, 'insights.db')}`],
  ['Redis', () => redisStorage()],
] as const)('insights over the stored events (%s)', (_mode, storage) => {
  let destination: Destination;
  let runtime: Runtime;
  let url: string;

  beforeAll(async () => {
    destination = await startDestination((_attempt, id) => (REFUSED.has(id) ? 422 : 200));
    ({ runtime, url } = await startObserved(config(storage(), destination.url)));
  });
  afterAll(async () => {
    await runtime.close();
    await destination.close();
  });

  it('computes each figure exactly', async () => {
    for (const payment of EVENTS) expect(await send(url, payment)).toBe(200);
    // A gateway retry is stored once and counted once.
    expect(await send(url, EVENTS[0])).toBe(200);
    await waitFor(() => destination.received.length === EVENTS.length, 'every delivery attempt');
    await waitFor(async () => (await runtime['storage']!.deadLetters.list({ status: 'open' })).length === 2, 'two dead letters');
    await waitFor(async () => (await runtime['storage']!.backlog()) === 0, 'an empty queue');

    const response = await fetch(`${url}/admin/insights?days=7`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    const insights = (await response.json()) as Insights;

    expect(insights.events).toBe(17);
    expect(insights.failureRate.byGateway).toEqual([
      { key: 'adyen', attempts: 5, failed: 2, rate: 2 / 5 },
      { key: 'stripe', attempts: 6, failed: 2, rate: 2 / 6 },
    ]);
    expect(insights.failureRate.byPaymentMethod).toEqual([
      { key: 'card', attempts: 7, failed: 3, rate: 3 / 7 },
      { key: 'paypal', attempts: 2, failed: 0, rate: 0 },
      { key: 'sepa_debit', attempts: 2, failed: 1, rate: 1 / 2 },
    ]);
    const byHour = Array.from({ length: 24 }, () => 0);
    byHour[3] = 1;
    byHour[9] = 2;
    byHour[22] = 1;
    expect(insights.cancellations).toEqual({
      total: 4,
      byHourOfDay: byHour,
      byDayOfWeek: [
        { day: 'Mon', count: 2 },
        { day: 'Tue', count: 0 },
        { day: 'Wed', count: 0 },
        { day: 'Thu', count: 1 },
        { day: 'Fri', count: 0 },
        { day: 'Sat', count: 0 },
        { day: 'Sun', count: 1 },
      ],
    });
    expect(insights.fulfilment).toEqual([
      { paymentMethod: 'card', fulfilled: 8, deadLettered: 1, pending: 0, fulfilledShare: 8 / 9 },
      { paymentMethod: 'paypal', fulfilled: 1, deadLettered: 1, pending: 0, fulfilledShare: 1 / 2 },
      { paymentMethod: 'sepa_debit', fulfilled: 2, deadLettered: 0, pending: 0, fulfilledShare: 1 },
      { paymentMethod: 'unknown', fulfilled: 4, deadLettered: 0, pending: 0, fulfilledShare: 1 },
    ]);
    expect(insights.recovery).toEqual({ failed: 5, recovered: 2, canceled: 1, open: 2, recoveryRate: 2 / 5 });
    expect(insights.amounts).toEqual([
      { day: '2026-11-20', currency: 'USD', minor: 3500, count: 2 },
      { day: '2026-11-21', currency: 'EUR', minor: 2200, count: 2 },
      { day: '2026-11-22', currency: 'EUR', minor: 3000, count: 1 },
      { day: '2026-11-22', currency: 'GBP', minor: 1000, count: 2 },
    ]);
  });

  it('needs the admin token and a sane window', async () => {
    expect((await fetch(`${url}/admin/insights`)).status).toBe(401);
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect((await fetch(`${url}/admin/insights?days=0`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${url}/admin/insights?days=abc`, { headers: auth })).status).toBe(400);
  });
});

describe.each([
  ['SQLite', () => `sqlite:${join(dir.path, 'pending.db')}`],
  ['Redis', () => redisStorage()],
] as const)('events not delivered yet (%s)', (_mode, storage) => {
  it('count as pending, neither fulfilled nor dead letters', async () => {
    const destination = await startDestination();
    // Ingress only: nothing delivers, so both events stay queued.
    const { runtime, url } = await startObserved(config(storage(), destination.url), { role: 'ingress' });
    try {
      for (const payment of EVENTS.slice(0, 2)) expect(await send(url, payment)).toBe(200);
      const response = await fetch(`${url}/admin/insights`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(((await response.json()) as Insights).fulfilment).toEqual([
        { paymentMethod: 'card', fulfilled: 0, deadLettered: 0, pending: 2, fulfilledShare: 0 },
      ]);
    } finally {
      await runtime.close();
      await destination.close();
    }
  });
});
