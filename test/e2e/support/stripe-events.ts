import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

/**
 * Realistic Stripe webhook events (shapes as Stripe sends them) and their signature
 * header, made by Stripe's own SDK.
 */
const stripe = new Stripe('sk_test_e2e_not_a_real_key');

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export function sign(event: object, secret: string): SignedRequest {
  const body = JSON.stringify(event);
  const signature = stripe.webhooks.generateTestHeaderString({ payload: body, secret });
  return { body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
}

export function post(url: string, request: SignedRequest): Promise<Response> {
  return fetch(url, { method: 'POST', headers: request.headers, body: request.body });
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

function envelope(type: string, object: Record<string, unknown>) {
  return {
    id: id('evt'),
    object: 'event',
    api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: id('req'), idempotency_key: randomBytes(16).toString('hex') },
    type,
  };
}

export interface PaymentFacts {
  amount: number; // Stripe's minor units
  currency: string; // lower case, as Stripe sends it
  email?: string;
  customer?: string;
  invoice?: string | null;
  /** Stripe's payment method type (`card` unless given), which the runtime's insights group by. */
  paymentMethod?: string;
}

function paymentIntent(facts: PaymentFacts, status: string, extra: Record<string, unknown> = {}) {
  const paymentId = id('pi');
  return {
    id: paymentId,
    object: 'payment_intent',
    amount: facts.amount,
    amount_received: status === 'succeeded' ? facts.amount : 0,
    currency: facts.currency,
    customer: facts.customer ?? id('cus'),
    description: 'Order 1042',
    invoice: facts.invoice ?? null,
    latest_charge: id('ch'),
    livemode: false,
    metadata: { order_id: '1042' },
    payment_method: id('pm'),
    payment_method_types: [facts.paymentMethod ?? 'card'],
    receipt_email: facts.email ?? null,
    status,
    created: Math.floor(Date.now() / 1000) - 5,
    ...extra,
  };
}

export function paymentSucceeded(facts: PaymentFacts) {
  return envelope('payment_intent.succeeded', paymentIntent(facts, 'succeeded'));
}

export function checkoutCompleted(facts: PaymentFacts & { email: string; name: string }) {
  return envelope('checkout.session.completed', {
    id: id('cs_test'),
    object: 'checkout.session',
    amount_subtotal: facts.amount,
    amount_total: facts.amount,
    client_reference_id: 'order-2001',
    currency: facts.currency,
    customer: facts.customer ?? id('cus'),
    customer_details: { email: facts.email, name: facts.name },
    mode: 'payment',
    payment_intent: id('pi'),
    payment_status: 'paid',
    status: 'complete',
    created: Math.floor(Date.now() / 1000) - 30,
  });
}

export function paymentFailed(facts: PaymentFacts & { code: string; declineCode?: string; message?: string }) {
  return envelope(
    'payment_intent.payment_failed',
    paymentIntent(facts, 'requires_payment_method', {
      last_payment_error: {
        type: 'card_error',
        code: facts.code,
        decline_code: facts.declineCode,
        message: facts.message ?? 'Your card was declined.',
        charge: id('ch'),
        payment_method: { id: id('pm'), card: { brand: 'visa', last4: '4242', fingerprint: 'fp_e2e' } },
      },
    }),
  );
}

export interface InvoiceFacts {
  invoice: string;
  amountPaid: number;
  amountDue: number;
  currency: string;
  customer: string;
  email?: string;
  number?: string;
  subscription?: string;
}

export function invoiceEvent(type: 'invoice.paid' | 'invoice.payment_failed', facts: InvoiceFacts) {
  return envelope(type, {
    id: facts.invoice,
    object: 'invoice',
    amount_due: facts.amountDue,
    amount_paid: facts.amountPaid,
    amount_remaining: facts.amountDue - facts.amountPaid,
    attempt_count: type === 'invoice.paid' ? 1 : 2,
    currency: facts.currency,
    customer: facts.customer,
    customer_email: facts.email ?? null,
    number: facts.number ?? null,
    paid: type === 'invoice.paid',
    payment_intent: id('pi'),
    status: type === 'invoice.paid' ? 'paid' : 'open',
    subscription: facts.subscription ?? null,
    created: Math.floor(Date.now() / 1000) - 60,
  });
}

export function subscriptionCreated(facts: { customer: string; subscription: string }) {
  return envelope('customer.subscription.created', {
    id: facts.subscription,
    object: 'subscription',
    customer: facts.customer,
    status: 'active',
    items: { object: 'list', data: [{ id: id('si'), price: { id: 'price_e2e', unit_amount: 2500, currency: 'eur' } }] },
    created: Math.floor(Date.now() / 1000),
  });
}

export function subscriptionDeleted(facts: { customer: string; subscription: string }) {
  return envelope('customer.subscription.deleted', {
    id: facts.subscription,
    object: 'subscription',
    customer: facts.customer,
    status: 'canceled',
    canceled_at: Math.floor(Date.now() / 1000),
    created: Math.floor(Date.now() / 1000) - 30 * 86_400,
  });
}
