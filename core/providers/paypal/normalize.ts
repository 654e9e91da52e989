/** A PayPal event (a delivery's body or one fetched from the API) as the canonical event. */
import type { EventKind, PaymentEvent } from '../../event';
import {
  canonicalEvent,
  decimalAmount,
  fullName,
  isoTime,
  kindFrom,
  malformedBody,
  nonEmpty,
  parseJsonObject,
  pick,
  pickObject,
  pickString,
  type JsonObject,
} from '../payload';
import type { NormalizeResult, WebhookRequest } from '../types';

const KINDS: Readonly<Record<string, EventKind>> = {
  'PAYMENT.CAPTURE.COMPLETED': 'payment.succeeded',
  'PAYMENT.CAPTURE.PENDING': 'payment.pending',
  'PAYMENT.CAPTURE.DENIED': 'payment.failed',
  'PAYMENT.CAPTURE.DECLINED': 'payment.failed',
  'PAYMENT.CAPTURE.REFUNDED': 'payment.refunded',
  'PAYMENT.CAPTURE.REVERSED': 'payment.refunded',
  'PAYMENT.SALE.COMPLETED': 'payment.succeeded',
  'PAYMENT.SALE.PENDING': 'payment.pending',
  'PAYMENT.SALE.DENIED': 'payment.failed',
  'PAYMENT.SALE.REFUNDED': 'payment.refunded',
  'PAYMENT.SALE.REVERSED': 'payment.refunded',
  'CUSTOMER.DISPUTE.CREATED': 'dispute.opened',
  'CUSTOMER.DISPUTE.RESOLVED': 'dispute.closed',
  'INVOICING.INVOICE.CREATED': 'invoice.created',
  'INVOICING.INVOICE.PAID': 'invoice.paid',
  'BILLING.SUBSCRIPTION.ACTIVATED': 'subscription.created',
  'BILLING.SUBSCRIPTION.CANCELLED': 'subscription.canceled',
  'BILLING.SUBSCRIPTION.PAYMENT.FAILED': 'invoice.payment_failed',
  'CHECKOUT.ORDER.COMPLETED': 'checkout.completed',
  'PAYMENT.PAYOUTSBATCH.SUCCESS': 'payout.paid',
  'PAYMENT.PAYOUTS-ITEM.SUCCEEDED': 'payout.paid',
};

/** PayPal's money objects: v2 `{currency_code, value}`, v1 `{currency, total | value}`. */
function moneyOf(value: unknown): PaymentEvent['amount'] {
  return decimalAmount(
    pickString(value, 'value') ?? pickString(value, 'total'),
    pickString(value, 'currency_code') ?? pickString(value, 'currency'),
  );
}

function amountOf(resource: JsonObject): PaymentEvent['amount'] {
  const money =
    pick(resource, 'amount') ??
    pick(resource, 'dispute_amount') ??
    pick(resource, 'invoice', 'amount') ??
    pick(resource, 'billing_info', 'last_failed_payment', 'amount') ??
    pick(resource, 'purchase_units', 0, 'amount') ??
    pick(resource, 'batch_header', 'amount') ??
    pick(resource, 'transactions', 0, 'amount');
  return moneyOf(money);
}

/** A link's last path segment, e.g. the capture id in a refund's `up` link. */
function linkedId(resource: JsonObject, rel: string, segment: string): string | undefined {
  const links = Array.isArray(resource.links) ? resource.links : [];
  const href = links.map((link) => (pickString(link, 'rel') === rel ? pickString(link, 'href') : undefined)).find(Boolean);
  const match = href === undefined ? null : new RegExp(`/${segment}/([^/?]+)`).exec(href);
  return match?.[1];
}

function paymentIdOf(type: string, resource: JsonObject): string | undefined {
  if (type.startsWith('PAYMENT.CAPTURE.REFUNDED') || type === 'PAYMENT.CAPTURE.REVERSED') {
    return linkedId(resource, 'up', 'captures') ?? pickString(resource, 'id');
  }
  if (type.startsWith('PAYMENT.CAPTURE.') || type.startsWith('PAYMENT.SALE.')) return pickString(resource, 'id');
  return (
    pickString(resource, 'disputed_transactions', 0, 'seller_transaction_id') ??
    pickString(resource, 'purchase_units', 0, 'payments', 'captures', 0, 'id') ??
    pickString(resource, 'invoice', 'payments', 'transactions', 0, 'payment_id') ??
    pickString(resource, 'transactions', 0, 'related_resources', 0, 'sale', 'id')
  );
}

function customerOf(resource: JsonObject): PaymentEvent['customer'] {
  const person = pick(resource, 'payer') ?? pick(resource, 'subscriber');
  const info = pick(person, 'payer_info');
  const recipient = pick(resource, 'invoice', 'primary_recipients', 0, 'billing_info');
  return nonEmpty({
    id: pickString(person, 'payer_id') ?? pickString(info, 'payer_id'),
    email: pickString(person, 'email_address') ?? pickString(info, 'email') ?? pickString(recipient, 'email_address'),
    name:
      fullName(pickString(person, 'name', 'given_name'), pickString(person, 'name', 'surname')) ??
      fullName(pickString(info, 'first_name'), pickString(info, 'last_name')) ??
      fullName(pickString(recipient, 'name', 'given_name'), pickString(recipient, 'name', 'surname')),
  });
}

function paymentMethodOf(resource: JsonObject): string | undefined {
  const source = pick(resource, 'payment_source');
  const family = source !== null && typeof source === 'object' ? Object.keys(source)[0] : undefined;
  return family ?? pickString(resource, 'payer', 'payment_method');
}

/** Live or sandbox, read from the API host of the event's own links. */
function livemodeOf(body: JsonObject): boolean | undefined {
  const href = pickString(body, 'links', 0, 'href');
  if (href === undefined) return undefined;
  return !/\.sandbox\.paypal\.com/.test(href);
}

export function normalize(request: WebhookRequest, receivedAt: Date): NormalizeResult {
  const parsed = parseJsonObject(request.rawBody);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const id = pickString(body, 'id');
  const type = pickString(body, 'event_type');
  const resource = pickObject(body, 'resource');
  if (id === undefined || type === undefined || resource === undefined) {
    return malformedBody('a PayPal event needs id, event_type and resource');
  }
  const kind = kindFrom(KINDS, type);
  const isSubscription = type.startsWith('BILLING.SUBSCRIPTION.');
  const event = canonicalEvent(
    {
      id,
      provider: 'paypal',
      type,
      kind,
      occurredAt: isoTime(body.create_time, receivedAt),
      livemode: livemodeOf(body),
      amount: amountOf(resource),
      paymentId: paymentIdOf(type, resource),
      invoiceId: pickString(resource, 'invoice', 'id') ?? pickString(resource, 'invoice_id') ?? pickString(resource, 'transactions', 0, 'invoice_number'),
      subscriptionId: isSubscription ? pickString(resource, 'id') : pickString(resource, 'billing_agreement_id'),
      reference: pickString(resource, 'custom_id') ?? pickString(resource, 'purchase_units', 0, 'custom_id') ?? pickString(resource, 'transactions', 0, 'custom'),
      paymentMethod: paymentMethodOf(resource),
      customer: customerOf(resource),
      failure:
        kind === 'payment.failed' || kind === 'invoice.payment_failed'
          ? nonEmpty({
              code: pickString(resource, 'status_details', 'reason') ?? pickString(resource, 'billing_info', 'last_failed_payment', 'reason_code'),
            })
          : undefined,
      verification: 'signature',
      raw: body,
    },
    receivedAt,
  );
  return { ok: true, events: [event] };
}
