/**
 * Razorpay: `X-Razorpay-Signature`, the hex HMAC-SHA256 of the raw body keyed with the
 * webhook secret as UTF-8. Razorpay's event id arrives only in the `x-razorpay-event-id`
 * header, which is not signed, and Razorpay signs no time: a captured request resent with a
 * new header value must not count as a new event. So the id is derived from the signed body
 * (the event name, the object it is about and the event's `created_at`), which a genuine retry
 * repeats; the header is ignored.
 */
import type { EventKind, PaymentEvent } from '../event';
import type { HeaderHmacScheme } from './crypto';
import { headerHmacVerifier, signHeaderHmac } from './header-hmac';
import {
  bodyDigest,
  canonicalEvent,
  derivedId,
  isoTime,
  kindFrom,
  malformedBody,
  nonEmpty,
  parseJsonObject,
  pick,
  pickObject,
  pickString,
  providerMinorAmount,
  stableTestId,
  type JsonObject,
} from './payload';
import type { NormalizeResult, Provider, SignedRequest, SourceConfig, WebhookRequest, ProviderSettings } from './types';
import { secretSetting } from './settings';

const SCHEME: HeaderHmacScheme = { headers: ['x-razorpay-signature'], algorithm: 'sha256', encoding: 'hex' };

const KINDS: Readonly<Record<string, EventKind>> = {
  'payment.captured': 'payment.succeeded',
  'payment.authorized': 'payment.pending',
  'payment.failed': 'payment.failed',
  'refund.processed': 'payment.refunded',
  'payment.dispute.created': 'dispute.opened',
  'payment.dispute.won': 'dispute.closed',
  'payment.dispute.lost': 'dispute.closed',
  'payment.dispute.closed': 'dispute.closed',
  'invoice.paid': 'invoice.paid',
  'subscription.activated': 'subscription.created',
  'subscription.charged': 'subscription.renewed',
  'subscription.cancelled': 'subscription.canceled',
  'order.paid': 'checkout.completed',
  'payment_link.paid': 'checkout.completed',
  'payout.processed': 'payout.paid',
  'settlement.processed': 'payout.paid',
};

const verify = headerHmacVerifier(SCHEME);

/** `payload.<name>.entity`, where Razorpay puts each object an event contains. */
function entity(body: JsonObject, name: string): JsonObject | undefined {
  return pickObject(body, 'payload', name, 'entity');
}

/** The object the event is about: the dispute for `payment.dispute.*`, else the type's first word. */
function subjectName(type: string): string {
  return type.startsWith('payment.dispute.') ? 'dispute' : type.split('.')[0];
}

function amountOf(type: string, subject: JsonObject | undefined): PaymentEvent['amount'] {
  // Invoices and orders also carry amount_due; what was paid is amount_paid.
  const value = type === 'invoice.paid' || type === 'order.paid' ? subject?.amount_paid : subject?.amount;
  // Razorpay counts in the ISO minor unit (paise; fils for KWD), whole yen for JPY.
  return providerMinorAmount(value, subject?.currency, 'iso');
}

function normalize(request: WebhookRequest, receivedAt: Date): NormalizeResult {
  const parsed = parseJsonObject(request.rawBody);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const type = pickString(body, 'event');
  if (type === undefined || pick(body, 'payload') === undefined) return malformedBody('a Razorpay event needs event and payload');
  const subject = entity(body, subjectName(type));
  const payment = entity(body, 'payment');
  const invoice = entity(body, 'invoice');
  const order = entity(body, 'order');
  const subscription = entity(body, 'subscription');
  const subjectId = pickString(subject, 'id');
  // An event about no object (none Razorpay documents) is told apart by its bytes' digest.
  const id = derivedId(type, subjectId ?? bodyDigest(request.rawBody), pickString(body, 'created_at'));
  const failed = type === 'payment.failed';
  const event = canonicalEvent(
    {
      id,
      provider: 'razorpay',
      type,
      kind: kindFrom(KINDS, type),
      occurredAt: isoTime(body.created_at, receivedAt),
      amount: amountOf(type, subject),
      paymentId: pickString(payment, 'id') ?? pickString(subject, 'payment_id'),
      invoiceId: pickString(invoice, 'id') ?? pickString(payment, 'invoice_id'),
      subscriptionId: pickString(subscription, 'id') ?? pickString(invoice, 'subscription_id'),
      reference: pickString(order, 'receipt') ?? pickString(payment, 'order_id'),
      paymentMethod: pickString(payment, 'method'),
      customer: nonEmpty({
        id: pickString(payment, 'customer_id') ?? pickString(subscription, 'customer_id') ?? pickString(invoice, 'customer_id'),
        email: pickString(payment, 'email'),
      }),
      failure: failed
        ? nonEmpty({
            code: pickString(payment, 'error_code'),
            declineCode: pickString(payment, 'error_reason'),
            message: pickString(payment, 'error_description'),
          })
        : undefined,
      verification: 'signature',
      raw: body,
    },
    receivedAt,
  );
  return { ok: true, events: [event] };
}

function sign(body: Buffer, config: SourceConfig): SignedRequest {
  return signHeaderHmac({ scheme: SCHEME, providerId: 'razorpay', body, config, headers: { 'x-razorpay-event-id': stableTestId('evt_', body) } });
}

const PAYMENT = {
  id: 'pay_TestPayment01', entity: 'payment', amount: 50000, currency: 'INR', status: 'captured', order_id: 'order_TestOrder01',
  method: 'upi', captured: true, email: 'gaurav.kumar@example.com', contact: '+919876543210', customer_id: 'cust_TestCustomer1',
};

/** Each kind's Razorpay event name and the entities it contains. */
const EXAMPLES: Readonly<Partial<Record<EventKind, { event: string; payload: Record<string, JsonObject> }>>> = {
  'payment.succeeded': { event: 'payment.captured', payload: { payment: PAYMENT } },
  'payment.failed': {
    event: 'payment.failed',
    payload: { payment: { ...PAYMENT, status: 'failed', captured: false, error_code: 'BAD_REQUEST_ERROR', error_reason: 'payment_failed', error_description: 'Payment failed because the card was declined.' } },
  },
  'payment.pending': { event: 'payment.authorized', payload: { payment: { ...PAYMENT, status: 'authorized', captured: false } } },
  'payment.refunded': { event: 'refund.processed', payload: { refund: { id: 'rfnd_TestRefund01', entity: 'refund', amount: 50000, currency: 'INR', payment_id: PAYMENT.id, status: 'processed' }, payment: PAYMENT } },
  'dispute.opened': { event: 'payment.dispute.created', payload: { payment: PAYMENT, dispute: { id: 'disp_TestDispute1', entity: 'dispute', payment_id: PAYMENT.id, amount: 50000, currency: 'INR', status: 'open', phase: 'chargeback' } } },
  'dispute.closed': { event: 'payment.dispute.won', payload: { payment: PAYMENT, dispute: { id: 'disp_TestDispute1', entity: 'dispute', payment_id: PAYMENT.id, amount: 50000, currency: 'INR', status: 'won', phase: 'chargeback' } } },
  'invoice.paid': { event: 'invoice.paid', payload: { payment: PAYMENT, invoice: { id: 'inv_TestInvoice01', entity: 'invoice', amount: 50000, amount_paid: 50000, currency: 'INR', status: 'paid' } } },
  'subscription.created': { event: 'subscription.activated', payload: { subscription: { id: 'sub_TestSubscr01', entity: 'subscription', plan_id: 'plan_TestPlan0001', status: 'active' } } },
  'subscription.renewed': { event: 'subscription.charged', payload: { subscription: { id: 'sub_TestSubscr01', entity: 'subscription', plan_id: 'plan_TestPlan0001', status: 'active' }, payment: PAYMENT } },
  'subscription.canceled': { event: 'subscription.cancelled', payload: { subscription: { id: 'sub_TestSubscr01', entity: 'subscription', plan_id: 'plan_TestPlan0001', status: 'cancelled' } } },
  'checkout.completed': { event: 'order.paid', payload: { payment: PAYMENT, order: { id: PAYMENT.order_id, entity: 'order', amount: 50000, amount_paid: 50000, currency: 'INR', receipt: 'rcpt_test_1', status: 'paid' } } },
  'payout.paid': { event: 'settlement.processed', payload: { settlement: { id: 'setl_TestSettle01', entity: 'settlement', amount: 4900000, currency: 'INR', status: 'processed' } } },
  other: { event: 'virtual_account.created', payload: { virtual_account: { id: 'va_TestAccount01', entity: 'virtual_account', status: 'active' } } },
};

/** Kinds Razorpay has no event for (invoice.created, invoice.payment_failed) get the unmapped example. */
function example(kind: EventKind, now: Date): Buffer {
  const { event, payload } = EXAMPLES[kind] ?? EXAMPLES.other!;
  const entities = Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, { entity: value }]));
  return Buffer.from(
    JSON.stringify({
      entity: 'event',
      account_id: 'acc_TestAccount01',
      event,
      contains: Object.keys(payload),
      payload: entities,
      created_at: Math.floor(now.getTime() / 1000),
    }),
  );
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Webhook Secret', 'The secret you entered when creating the webhook in the Razorpay Dashboard'),
  fields: [],
};

export const razorpay: Provider = { id: 'razorpay', displayName: 'Razorpay', settings: SETTINGS, verify, normalize, sign, example };
