import type { EventKind, PaymentEvent } from '../../../core/event';
import { WEEKDAYS, type FailureRate, type Fulfilment, type Insights } from '../../../core/insights/types';
import type { StoredEvent } from '../storage/types';

/**
 * Business figures from the stored events, computed on request (no second copy to keep in
 * step). Times are the gateway's `occurredAt`, read in UTC. Rates are shares in [0, 1]
 * (counts over counts, not money); amounts stay integer minor units per currency.
 *
 * - failure rate: payment.failed / (payment.succeeded + payment.failed), by gateway and method;
 * - cancellations: subscription.canceled by hour of day (0-23) and day of week (Mon-Sun);
 * - fulfilment: per payment method, events delivered everywhere vs dead-lettered vs still queued;
 * - recovery: each failed payment (payment.failed, invoice.payment_failed) followed later by a
 *   success on the same invoice, subscription or payment is `recovered`, by a cancellation of
 *   its subscription `canceled`, otherwise `open`;
 * - amounts: succeeded payments summed per UTC day and currency.
 */
const UNKNOWN = 'unknown';
const FAILED_PAYMENT: ReadonlySet<EventKind> = new Set(['payment.failed', 'invoice.payment_failed']);
const SUCCESS: ReadonlySet<EventKind> = new Set(['payment.succeeded', 'invoice.paid', 'subscription.renewed']);

export interface InsightsInput {
  events: StoredEvent[];
  /** Idempotency keys with a dead letter still open (or discarded): they did not reach fulfilment. */
  deadLettered: ReadonlySet<string>;
  from: number;
  to: number;
}

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
const methodOf = (event: PaymentEvent) => event.paymentMethod ?? UNKNOWN;

function failureRates(events: PaymentEvent[], keyOf: (event: PaymentEvent) => string): FailureRate[] {
  const rows = new Map<string, FailureRate>();
  for (const event of events) {
    if (event.kind !== 'payment.succeeded' && event.kind !== 'payment.failed') continue;
    const key = keyOf(event);
    const row = rows.get(key) ?? { key, attempts: 0, failed: 0, rate: 0 };
    row.attempts += 1;
    if (event.kind === 'payment.failed') row.failed += 1;
    row.rate = share(row.failed, row.attempts);
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function cancellations(events: PaymentEvent[]): Insights['cancellations'] {
  const byHourOfDay = Array.from({ length: 24 }, () => 0);
  const byDay = Array.from({ length: 7 }, () => 0);
  let total = 0;
  for (const event of events) {
    if (event.kind !== 'subscription.canceled') continue;
    const at = new Date(event.occurredAt);
    if (Number.isNaN(at.getTime())) continue;
    total += 1;
    byHourOfDay[at.getUTCHours()] += 1;
    byDay[(at.getUTCDay() + 6) % 7] += 1; // Monday first
  }
  return { total, byHourOfDay, byDayOfWeek: WEEKDAYS.map((day, index) => ({ day, count: byDay[index] })) };
}

function fulfilment(stored: StoredEvent[], deadLettered: ReadonlySet<string>): Fulfilment[] {
  const rows = new Map<string, Fulfilment>();
  for (const { event, pending } of stored) {
    const paymentMethod = methodOf(event);
    const row = rows.get(paymentMethod) ?? { paymentMethod, fulfilled: 0, deadLettered: 0, pending: 0, fulfilledShare: 0 };
    if (deadLettered.has(event.idempotencyKey)) row.deadLettered += 1;
    else if (pending) row.pending += 1;
    else row.fulfilled += 1;
    row.fulfilledShare = share(row.fulfilled, row.fulfilled + row.deadLettered);
    rows.set(paymentMethod, row);
  }
  return [...rows.values()].sort((a, b) => a.paymentMethod.localeCompare(b.paymentMethod));
}

/** The references a later event can resolve a failure by, most specific first. */
function references(event: PaymentEvent): string[] {
  return [
    event.invoiceId && `invoice:${event.invoiceId}`,
    event.subscriptionId && `subscription:${event.subscriptionId}`,
    event.paymentId && `payment:${event.paymentId}`,
  ].filter((reference): reference is string => Boolean(reference));
}

/** The earliest time after `after` among the times indexed under any of the keys. */
function firstAfter(index: Map<string, number[]>, keys: string[], after: number): number | undefined {
  let first: number | undefined;
  for (const key of keys) {
    const time = index.get(key)?.find((at) => at > after);
    if (time !== undefined && (first === undefined || time < first)) first = time;
  }
  return first;
}

function recovery(events: PaymentEvent[]): Insights['recovery'] {
  // Times of successes per reference and of cancellations per subscription, ascending.
  const successes = new Map<string, number[]>();
  const cancels = new Map<string, number[]>();
  const add = (index: Map<string, number[]>, key: string, at: number) => {
    const times = index.get(key);
    if (times) times.push(at);
    else index.set(key, [at]);
  };
  for (const event of events) {
    const at = Date.parse(event.occurredAt);
    if (SUCCESS.has(event.kind)) for (const reference of references(event)) add(successes, reference, at);
    if (event.kind === 'subscription.canceled' && event.subscriptionId) add(cancels, event.subscriptionId, at);
  }
  for (const index of [successes, cancels]) for (const times of index.values()) times.sort((a, b) => a - b);

  let failed = 0;
  let recovered = 0;
  let canceled = 0;
  for (const event of events) {
    if (!FAILED_PAYMENT.has(event.kind)) continue;
    failed += 1;
    const at = Date.parse(event.occurredAt);
    const success = firstAfter(successes, references(event), at);
    const cancel = event.subscriptionId ? firstAfter(cancels, [event.subscriptionId], at) : undefined;
    if (cancel !== undefined && (success === undefined || cancel < success)) canceled += 1;
    else if (success !== undefined) recovered += 1;
  }
  return { failed, recovered, canceled, open: failed - recovered - canceled, recoveryRate: share(recovered, failed) };
}

function amounts(events: PaymentEvent[]): Insights['amounts'] {
  const rows = new Map<string, Insights['amounts'][number]>();
  for (const event of events) {
    if (event.kind !== 'payment.succeeded' || !event.amount) continue;
    const day = event.occurredAt.slice(0, 10);
    const key = `${day}|${event.amount.currency}`;
    const row = rows.get(key) ?? { day, currency: event.amount.currency, minor: 0, count: 0 };
    row.minor += event.amount.minor;
    row.count += 1;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.day.localeCompare(b.day) || a.currency.localeCompare(b.currency));
}

export function computeInsights(input: InsightsInput): Insights {
  const events = input.events.map((stored) => stored.event);
  return {
    from: new Date(input.from).toISOString(),
    to: new Date(input.to).toISOString(),
    events: events.length,
    failureRate: { byGateway: failureRates(events, (event) => event.provider), byPaymentMethod: failureRates(events, methodOf) },
    cancellations: cancellations(events),
    fulfilment: fulfilment(input.events, input.deadLettered),
    recovery: recovery(events),
    amounts: amounts(events),
  };
}
