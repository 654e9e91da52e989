import { paymentFailed, paymentSucceeded, sign, subscriptionDeleted, type SignedRequest } from '../e2e/support/stripe-events';

/**
 * A week of Stripe events for the runtime's insights, signed by Stripe's SDK: three payment
 * methods with successes and failures, two currencies, cancellations at known UTC hours on
 * earlier days, and some events whose delivery the destination refuses so that the runtime
 * dead-letters them. What the figures come to is the runtime's to say; the tests compare
 * the report with its `/admin/insights`.
 */
export interface InsightsWeek {
  requests: SignedRequest[];
  /** Idempotency keys (`stripe:<event id>`) the destination should refuse: they end as dead letters. */
  refused: Set<string>;
}

/** Unix seconds of `hour`:15 UTC, `daysAgo` days before today (always inside the last seven days). */
function atHour(daysAgo: number, hour: number): number {
  const day = new Date();
  day.setUTCDate(day.getUTCDate() - daysAgo);
  day.setUTCHours(hour, 15, 0, 0);
  return Math.floor(day.getTime() / 1000);
}

export function insightsWeek(stripeSecret: string): InsightsWeek {
  const refused = new Set<string>();
  const requests: SignedRequest[] = [];
  const add = (event: { id: string; created: number }, options: { daysAgo: number; hour: number; refuse?: boolean }) => {
    event.created = atHour(options.daysAgo, options.hour);
    if (options.refuse) refused.add(`stripe:${event.id}`);
    requests.push(sign(event, stripeSecret));
  };
  const declined = { code: 'card_declined', declineCode: 'insufficient_funds' };
  add(paymentSucceeded({ amount: 1999, currency: 'usd', paymentMethod: 'card' }), { daysAgo: 1, hour: 10 });
  add(paymentSucceeded({ amount: 4500, currency: 'usd', paymentMethod: 'card' }), { daysAgo: 2, hour: 11 });
  add(paymentSucceeded({ amount: 1000, currency: 'eur', paymentMethod: 'card' }), { daysAgo: 2, hour: 12, refuse: true });
  add(paymentFailed({ amount: 2500, currency: 'usd', paymentMethod: 'card', ...declined }), { daysAgo: 3, hour: 13 });
  add(paymentSucceeded({ amount: 12_000, currency: 'eur', paymentMethod: 'sepa_debit' }), { daysAgo: 1, hour: 8 });
  add(paymentFailed({ amount: 3000, currency: 'eur', paymentMethod: 'sepa_debit', ...declined }), { daysAgo: 3, hour: 9, refuse: true });
  add(paymentFailed({ amount: 3000, currency: 'eur', paymentMethod: 'sepa_debit', ...declined }), { daysAgo: 4, hour: 9 });
  add(paymentSucceeded({ amount: 7700, currency: 'usd', paymentMethod: 'us_bank_account' }), { daysAgo: 5, hour: 16 });
  add(subscriptionDeleted({ customer: 'cus_week_1', subscription: 'sub_week_1' }), { daysAgo: 1, hour: 9 });
  add(subscriptionDeleted({ customer: 'cus_week_2', subscription: 'sub_week_2' }), { daysAgo: 2, hour: 9 });
  add(subscriptionDeleted({ customer: 'cus_week_3', subscription: 'sub_week_3' }), { daysAgo: 3, hour: 17, refuse: true });
  return { requests, refused };
}
