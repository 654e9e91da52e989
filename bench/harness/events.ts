import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { paymentSucceeded, type SignedRequest } from '../../test/e2e/support/stripe-events';

/**
 * The load: Stripe `payment_intent.succeeded` events as Stripe sends them, padded to a
 * fixed body size, signed by Stripe's own SDK when the pool is made (so timestamps are
 * fresh), with a share of repeats standing in for the gateway's redeliveries.
 */
export const STRIPE_SECRET = 'whsec_bench_0123456789abcdefghijklmnopqrstuv';
export const BODY_BYTES = 2048;

export interface SignedEvent extends SignedRequest {
  /** Stripe's event id; the stored idempotency key is `stripe:<id>`. */
  id: string;
}

// Ids keep Stripe's shape (prefix + 24 hex digits): 8 per pool, 16 counting.
const EVENT_SLOT = `evt_${'E'.repeat(24)}`;
const CUSTOMER_SLOT = `cus_${'C'.repeat(24)}`;
const stripe = new Stripe('sk_test_bench_not_a_real_key');

/**
 * One realistic event padded to `BODY_BYTES`, as text with slots for the event and
 * customer ids: building each event from scratch costs more than signing it.
 */
function template(): string {
  const event = paymentSucceeded({ amount: 2500, currency: 'eur', email: 'buyer@example.com', customer: CUSTOMER_SLOT });
  event.id = EVENT_SLOT;
  const metadata = event.data.object.metadata as Record<string, string>;
  metadata.note = '';
  const padding = BODY_BYTES - Buffer.byteLength(JSON.stringify(event));
  metadata.note = 'x'.repeat(padding);
  return JSON.stringify(event);
}

/** `size` distinct event bodies (unsigned), each with a new event id and customer. */
export function stripeBodies(size: number): Array<{ id: string; body: string }> {
  const body = template();
  const run = randomBytes(4).toString('hex');
  return Array.from({ length: size }, (_, index) => {
    const serial = run + index.toString(16).padStart(16, '0');
    return { id: `evt_${serial}`, body: body.replace(EVENT_SLOT, `evt_${serial}`).replace(CUSTOMER_SLOT, `cus_${serial}`) };
  });
}

/**
 * `size` signed requests, about `duplicateShare` of them repeating an earlier one byte
 * for byte (a gateway retrying an event it already sent).
 */
export function eventPool(size: number, duplicateShare: number, secret = STRIPE_SECRET): SignedEvent[] {
  const fresh = stripeBodies(size);
  const pool: SignedEvent[] = [];
  for (let index = 0; index < size; index += 1) {
    if (index > 0 && Math.random() < duplicateShare) {
      pool.push(pool[Math.floor(Math.random() * index)]);
      continue;
    }
    const { id, body } = fresh[index];
    pool.push({ id, ...signWithSdk(body, secret) });
  }
  return pool;
}

/** Signs the exact text with Stripe's SDK, the way Stripe signs a delivery. */
function signWithSdk(payload: string, secret: string): SignedRequest {
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret });
  return { body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
}
