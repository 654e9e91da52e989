/**
 * Paystack: `x-paystack-signature` is the hex HMAC-SHA512 of the raw body (never of
 * re-serialized JSON) keyed with the account's secret API key. Events carry no id of their
 * own, so the id is derived as `{event}:{data.reference}:{data.id}` (the parts present): a
 * retry repeats them, a refund or dispute of the same charge has another `event`.
 * Amounts are integers in the currency's minor unit (kobo, pesewas, cents): ISO minor units.
 *
 * `confirm` is optional here: events are signed, but a workflow may still want the
 * transaction's current state from `GET /transaction/verify/{reference}`.
 */
import type { EventKind, PaymentEvent } from '../event';
import { apiPathSegment } from './api-path';
import { refuse, type HeaderHmacScheme } from './crypto';
import { headerHmacVerifier, signHeaderHmac } from './header-hmac';
import {
  apiBase,
  canonicalEvent,
  compact,
  derivedId,
  fetchJsonObject,
  fullName,
  isoMinorAmount,
  isoTime,
  kindFrom,
  malformedBody,
  nonEmpty,
  parseJsonObject,
  pick,
  pickNumber,
  pickString,
  type JsonObject,
} from './payload';
import type { Provider, SourceConfig, ProviderSettings } from './types';
import { secretSetting } from './settings';

const SCHEME: HeaderHmacScheme = { headers: ['x-paystack-signature'], algorithm: 'sha512', encoding: 'hex' };
const API = 'https://api.paystack.co';
/** Paystack allows letters, digits, `-`, `.` and `=` in a transaction reference (and `_` is accepted here too). */
const TRANSACTION_REFERENCE = /^[A-Za-z0-9._=-]{1,255}$/;

const KINDS: Readonly<Record<string, EventKind>> = {
  'charge.success': 'payment.succeeded',
  'charge.dispute.create': 'dispute.opened',
  'charge.dispute.resolve': 'dispute.closed',
  'refund.processed': 'payment.refunded',
  'subscription.create': 'subscription.created',
  'subscription.disable': 'subscription.canceled',
  'invoice.create': 'invoice.created',
  'invoice.payment_failed': 'invoice.payment_failed',
  'paymentrequest.pending': 'invoice.created',
  'paymentrequest.success': 'invoice.paid',
  'transfer.success': 'payout.paid',
};

/** Transaction statuses, for a confirmed charge. */
const STATUS_KINDS: Readonly<Record<string, EventKind>> = {
  success: 'payment.succeeded',
  failed: 'payment.failed',
  abandoned: 'payment.failed',
  reversed: 'payment.refunded',
  ongoing: 'payment.pending',
  pending: 'payment.pending',
  processing: 'payment.pending',
  queued: 'payment.pending',
};

function kindOf(event: string, data: unknown): EventKind {
  // An invoice update is a payment when the invoice says it is paid.
  if (event === 'invoice.update') return pick(data, 'paid') === true ? 'invoice.paid' : 'other';
  return kindFrom(KINDS, event);
}

/** Which event the fields are read for: its Paystack type, its kind and when it was received. */
interface FieldsFor {
  type: string;
  kind: EventKind;
  receivedAt: Date;
}

/** The event's fields from a transaction-like `data` object; shared by webhook and confirm. */
function eventFields(data: unknown, { type: event, kind, receivedAt }: FieldsFor) {
  const customer = pick(data, 'customer');
  const transaction = pick(data, 'transaction');
  return {
    occurredAt: isoTime(pick(data, 'paid_at') ?? pick(data, 'paidAt') ?? pick(data, 'created_at') ?? pick(data, 'createdAt'), receivedAt),
    livemode: pickString(data, 'domain') === undefined ? undefined : pickString(data, 'domain') === 'live',
    amount:
      isoMinorAmount(pickNumber(data, 'amount'), pickString(data, 'currency')) ??
      isoMinorAmount(pickNumber(transaction, 'amount'), pickString(transaction, 'currency')),
    paymentId: event.startsWith('charge.dispute') ? pickString(transaction, 'id') : event.startsWith('charge.') ? pickString(data, 'id') : undefined,
    invoiceId: pickString(data, 'invoice_code') ?? pickString(data, 'request_code'),
    subscriptionId: pickString(data, 'subscription_code') ?? pickString(data, 'subscription', 'subscription_code'),
    reference: pickString(data, 'reference') ?? pickString(transaction, 'reference') ?? pickString(data, 'transaction_reference'),
    paymentMethod: pickString(data, 'channel'),
    customer: nonEmpty({
      id: pickString(customer, 'customer_code') ?? pickString(customer, 'id'),
      email: pickString(customer, 'email'),
      name: fullName(pickString(customer, 'first_name'), pickString(customer, 'last_name')),
    }),
    failure: kind === 'payment.failed' || kind === 'invoice.payment_failed' ? nonEmpty({ message: pickString(data, 'gateway_response') }) : undefined,
    risk: nonEmpty({ ip: pickString(data, 'ip_address'), cardFingerprint: pickString(data, 'authorization', 'signature') }),
  };
}

/** Paystack signs with the secret API key itself, so the first configured secret also fetches. */
function secretKey(config: SourceConfig): string | undefined {
  return config.secrets[0];
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Secret Key', 'In Paystack: Settings → API Keys & Webhooks → Secret key', 'sk_live_...'),
  fields: [],
};

export const paystack: Provider = {
  id: 'paystack',
  displayName: 'Paystack',
  settings: SETTINGS,

  verify: headerHmacVerifier(SCHEME),

  normalize(request, receivedAt) {
    const parsed = parseJsonObject(request.rawBody);
    if (!parsed.ok) return parsed;
    const body = parsed.value;
    const event = pickString(body, 'event');
    const data = pick(body, 'data');
    const reference = pickString(data, 'reference');
    const dataId = pickString(data, 'id');
    if (event === undefined || (reference === undefined && dataId === undefined)) {
      return malformedBody('a Paystack event needs `event` and `data.reference` or `data.id`');
    }
    const kind = kindOf(event, data);
    return {
      ok: true,
      events: [
        canonicalEvent(
          compact({
            id: derivedId(event, reference, dataId),
            provider: 'paystack',
            type: event,
            kind,
            ...eventFields(data, { type: event, kind, receivedAt }),
            verification: 'signature' as const,
            raw: body,
          }),
          receivedAt,
        ),
      ],
    };
  },

  async confirm(event, config, context) {
    if (!event.type.startsWith('charge.') || event.type.startsWith('charge.dispute') || event.reference === undefined) {
      return { ok: true, event };
    }
    const key = secretKey(config);
    if (key === undefined) return refuse('missing_secret', 'confirming a Paystack charge needs the secret API key');
    const segment = apiPathSegment(event.reference, 'the Paystack transaction reference', TRANSACTION_REFERENCE);
    if (typeof segment !== 'string') return segment;
    const url = `${apiBase(config, API)}/transaction/verify/${segment}`;
    const fetched = await fetchJsonObject(url, `Bearer ${key}`, context);
    if (!fetched.ok) return fetched;
    const transaction = pick(fetched.value, 'data');
    const status = pickString(transaction, 'status');
    if (pick(fetched.value, 'status') !== true || status === undefined || pickString(transaction, 'reference') !== event.reference) {
      return refuse('confirm_failed', `the verify response for ${event.reference} does not describe that transaction`);
    }
    const kind = kindFrom(STATUS_KINDS, status);
    const confirmed: PaymentEvent = canonicalEvent(
      compact({
        id: event.id,
        provider: 'paystack',
        type: event.type,
        kind,
        ...eventFields(transaction, { type: event.type, kind, receivedAt: new Date(event.receivedAt) }),
        verification: 'confirmed' as const,
        raw: { webhook: event.raw, transaction: fetched.value },
      }),
      new Date(event.receivedAt),
    );
    return { ok: true, event: confirmed };
  },

  sign(body, config) {
    return signHeaderHmac({ scheme: SCHEME, providerId: 'paystack', body, config });
  },

  example(kind, now) {
    const make = EXAMPLES[kind];
    if (make === undefined) throw new Error(`paystack has no example for ${kind}; it has ${Object.keys(EXAMPLES).join(', ')}`);
    return Buffer.from(JSON.stringify(make(now)));
  },
};

function exampleCharge(now: Date): JsonObject {
  return {
    id: 302961 + (now.getTime() % 1000),
    domain: 'test',
    status: 'success',
    reference: `ref_${now.getTime().toString(36)}`,
    amount: 10000,
    gateway_response: 'Approved by Financial Institution',
    paid_at: now.toISOString(),
    created_at: now.toISOString(),
    channel: 'card',
    currency: 'NGN',
    ip_address: '192.0.2.10',
    customer: { id: 68324, first_name: 'BoJack', last_name: 'Horseman', email: 'bojack@horsinaround.com', customer_code: 'CUS_qo38as2hpsgk2r0' },
    authorization: { authorization_code: 'AUTH_f5rnfq9p', bin: '539999', last4: '8877', card_type: 'mastercard DEBIT', brand: 'mastercard', signature: 'SIG_8exmr2f4rnx1ijwl0fjr' },
  };
}

const EXAMPLES: Partial<Record<EventKind, (now: Date) => JsonObject>> = {
  'payment.succeeded': (now) => ({ event: 'charge.success', data: exampleCharge(now) }),
  'payment.refunded': (now) => {
    const charge = exampleCharge(now);
    return { event: 'refund.processed', data: { id: 1234 + (now.getTime() % 1000), status: 'processed', domain: 'test', amount: 10000, currency: 'NGN', transaction_reference: charge.reference, refund_reference: `rf_${now.getTime().toString(36)}`, customer: charge.customer } };
  },
  'dispute.opened': (now) => {
    const charge = exampleCharge(now);
    return { event: 'charge.dispute.create', data: { id: 358950 + (now.getTime() % 1000), refund_amount: 10000, currency: 'NGN', status: 'awaiting-merchant-feedback', domain: 'test', transaction: { id: charge.id, reference: charge.reference, amount: 10000, currency: 'NGN' }, customer: charge.customer, created_at: now.toISOString() } };
  },
  'subscription.created': (now) => ({ event: 'subscription.create', data: { id: 9000 + (now.getTime() % 1000), domain: 'test', status: 'active', subscription_code: 'SUB_vsyqdmlzble3uii', amount: 50000, created_at: now.toISOString(), plan: { plan_code: 'PLN_gx2wn530m0i3w3m', currency: 'NGN' }, customer: exampleCharge(now).customer } }),
  'invoice.paid': (now) => ({ event: 'invoice.update', data: { id: 4000 + (now.getTime() % 1000), domain: 'test', invoice_code: 'INV_thy2vkmirn2urwv', amount: 50000, paid: true, paid_at: now.toISOString(), created_at: now.toISOString(), subscription: { subscription_code: 'SUB_vsyqdmlzble3uii' }, customer: exampleCharge(now).customer } }),
};
