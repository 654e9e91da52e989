/**
 * Square: `x-square-hmacsha256-signature`, the base64 HMAC-SHA256 of the notification URL
 * (exactly as registered, byte for byte) followed by the raw body, keyed with the
 * subscription's signature key as UTF-8.
 */
import { randomUUID } from 'node:crypto';
import type { EventKind, PaymentEvent } from '../event';
import { refuse, verifyHeaderHmac, type HeaderHmacScheme } from './crypto';
import { signHeaderHmac } from './header-hmac';
import {
  canonicalEvent,
  fullName,
  isoTime,
  kindFrom,
  malformedBody,
  nonEmpty,
  parseJsonObject,
  pick,
  pickObject,
  pickString,
  providerMinorAmount,
  type JsonObject,
} from './payload';
import type { NormalizeResult, Provider, SignedRequest, SourceConfig, VerifyResult, WebhookRequest, ProviderSettings } from './types';
import { secretSetting } from './settings';

const SCHEME: HeaderHmacScheme = { headers: ['x-square-hmacsha256-signature'], algorithm: 'sha256', encoding: 'base64' };

/** Types whose kind does not depend on the object's state. */
const KINDS: Readonly<Record<string, EventKind>> = {
  'dispute.created': 'dispute.opened',
  'invoice.created': 'invoice.created',
  'invoice.payment_made': 'invoice.paid',
  'invoice.scheduled_charge_failed': 'invoice.payment_failed',
  'subscription.created': 'subscription.created',
  'payout.paid': 'payout.paid',
};

const PAYMENT_STATUS: Readonly<Record<string, EventKind>> = {
  COMPLETED: 'payment.succeeded',
  APPROVED: 'payment.pending',
  PENDING: 'payment.pending',
  FAILED: 'payment.failed',
  CANCELED: 'payment.failed',
};

const CLOSED_DISPUTE_STATES = new Set(['WON', 'LOST', 'ACCEPTED']);

function notificationUrl(config: SourceConfig): string | undefined {
  return typeof config.notificationUrl === 'string' && config.notificationUrl !== '' ? config.notificationUrl : undefined;
}

function signedBytes(url: string, rawBody: Buffer): Buffer {
  return Buffer.concat([Buffer.from(url, 'utf8'), rawBody]);
}

async function verify(request: WebhookRequest, config: SourceConfig): Promise<VerifyResult> {
  const url = notificationUrl(config);
  if (url === undefined) {
    return refuse('missing_secret', 'notificationUrl is not configured: Square signs the notification URL together with the body');
  }
  return verifyHeaderHmac({ scheme: SCHEME, headers: request.headers, signedBytes: signedBytes(url, request.rawBody), secrets: config.secrets });
}

/**
 * Square reports most changes as `<object>.updated`: the kind comes from the object's
 * status (a payment that became COMPLETED succeeded; a dispute that became WON was closed).
 */
function kindOf(type: string, object: JsonObject | undefined): EventKind {
  const status = pickString(object, 'status') ?? '';
  if (type === 'payment.created' || type === 'payment.updated') return kindFrom(PAYMENT_STATUS, status);
  if (type === 'refund.created' || type === 'refund.updated') return status === 'COMPLETED' ? 'payment.refunded' : 'other';
  if (type === 'dispute.state.updated' || type === 'dispute.state.changed') {
    return CLOSED_DISPUTE_STATES.has(pickString(object, 'state') ?? '') ? 'dispute.closed' : 'other';
  }
  if (type === 'subscription.updated') return status === 'CANCELED' || status === 'DEACTIVATED' ? 'subscription.canceled' : 'other';
  return kindFrom(KINDS, type);
}

/** Square's Money: `{amount, currency}` in the ISO minor unit (cents; whole yen for JPY). */
function amountOf(object: JsonObject | undefined): PaymentEvent['amount'] {
  const money =
    pick(object, 'amount_money') ??
    pick(object, 'total_money') ??
    pick(object, 'payment_requests', 0, 'computed_amount_money');
  return providerMinorAmount(pick(money, 'amount'), pick(money, 'currency'), 'iso');
}

function failureOf(object: JsonObject | undefined): PaymentEvent['failure'] {
  const error = pick(object, 'card_details', 'errors', 0);
  return nonEmpty({ code: pickString(error, 'code'), message: pickString(error, 'detail') });
}

function normalize(request: WebhookRequest, receivedAt: Date): NormalizeResult {
  const parsed = parseJsonObject(request.rawBody);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const id = pickString(body, 'event_id');
  const type = pickString(body, 'type');
  const dataType = pickString(body, 'data', 'type');
  if (id === undefined || type === undefined || dataType === undefined) {
    return malformedBody('a Square event needs event_id, type and data.type');
  }
  const object = pickObject(body, 'data', 'object', dataType);
  const kind = kindOf(type, object);
  const recipient = pick(object, 'primary_recipient');
  const sourceType = pickString(object, 'source_type');
  const event = canonicalEvent(
    {
      id,
      provider: 'square',
      type,
      kind,
      occurredAt: isoTime(body.created_at, receivedAt),
      amount: amountOf(object),
      paymentId:
        dataType === 'payment'
          ? pickString(object, 'id')
          : pickString(object, 'payment_id') ?? pickString(object, 'disputed_payment', 'payment_id'),
      invoiceId: dataType === 'invoice' ? pickString(object, 'id') : undefined,
      subscriptionId: dataType === 'subscription' ? pickString(object, 'id') : pickString(object, 'subscription_id'),
      reference: pickString(object, 'order_id') ?? pickString(object, 'reference_id'),
      paymentMethod: sourceType?.toLowerCase(),
      customer: nonEmpty({
        id: pickString(object, 'customer_id') ?? pickString(recipient, 'customer_id'),
        email: pickString(object, 'buyer_email_address') ?? pickString(recipient, 'email_address'),
        name: fullName(pickString(recipient, 'given_name'), pickString(recipient, 'family_name')),
      }),
      failure: kind === 'payment.failed' ? failureOf(object) : undefined,
      risk: nonEmpty({ cardFingerprint: pickString(object, 'card_details', 'card', 'fingerprint') }),
      verification: 'signature',
      raw: body,
    },
    receivedAt,
  );
  return { ok: true, events: [event] };
}

function sign(body: Buffer, config: SourceConfig): SignedRequest {
  const url = notificationUrl(config);
  if (url === undefined) throw new Error('square: configure notificationUrl to sign a test event');
  return signHeaderHmac({ scheme: SCHEME, providerId: 'square', body, config, signedBytes: signedBytes(url, body) });
}

const MONEY = { amount: 2500, currency: 'USD' };
const CARD = { card_brand: 'VISA', last_4: '1111', fingerprint: 'sq-1-TestFingerprint' };

const EXAMPLES: Readonly<Record<EventKind, { type: string; dataType: string; object: JsonObject }>> = {
  'payment.succeeded': { type: 'payment.updated', dataType: 'payment', object: { id: 'TestPaymentCompleted', status: 'COMPLETED', amount_money: MONEY, total_money: MONEY, source_type: 'CARD', card_details: { status: 'CAPTURED', card: CARD }, order_id: 'TestOrder01', customer_id: 'TestCustomer01' } },
  'payment.failed': { type: 'payment.updated', dataType: 'payment', object: { id: 'TestPaymentFailed', status: 'FAILED', amount_money: MONEY, source_type: 'CARD', card_details: { status: 'FAILED', card: CARD, errors: [{ code: 'GENERIC_DECLINE', category: 'PAYMENT_METHOD_ERROR', detail: "Authorization error: 'GENERIC_DECLINE'" }] } } },
  'payment.pending': { type: 'payment.created', dataType: 'payment', object: { id: 'TestPaymentApproved', status: 'APPROVED', amount_money: MONEY, source_type: 'CARD' } },
  'payment.refunded': { type: 'refund.updated', dataType: 'refund', object: { id: 'TestRefund01', status: 'COMPLETED', amount_money: MONEY, payment_id: 'TestPaymentCompleted' } },
  'dispute.opened': { type: 'dispute.created', dataType: 'dispute', object: { id: 'TestDispute01', state: 'EVIDENCE_REQUIRED', reason: 'NOT_AS_DESCRIBED', amount_money: MONEY, disputed_payment: { payment_id: 'TestPaymentCompleted' } } },
  'dispute.closed': { type: 'dispute.state.updated', dataType: 'dispute', object: { id: 'TestDispute01', state: 'WON', amount_money: MONEY, disputed_payment: { payment_id: 'TestPaymentCompleted' } } },
  'invoice.created': { type: 'invoice.created', dataType: 'invoice', object: { id: 'inv:0-TestInvoice', status: 'DRAFT', payment_requests: [{ request_type: 'BALANCE', computed_amount_money: MONEY }] } },
  'invoice.paid': { type: 'invoice.payment_made', dataType: 'invoice', object: { id: 'inv:0-TestInvoice', status: 'PAID', payment_requests: [{ request_type: 'BALANCE', computed_amount_money: MONEY }] } },
  'invoice.payment_failed': { type: 'invoice.scheduled_charge_failed', dataType: 'invoice', object: { id: 'inv:0-TestInvoice', status: 'UNPAID', payment_requests: [{ request_type: 'BALANCE', computed_amount_money: MONEY }] } },
  'subscription.created': { type: 'subscription.created', dataType: 'subscription', object: { id: 'TestSubscription01', status: 'ACTIVE', customer_id: 'TestCustomer01' } },
  'subscription.renewed': { type: 'invoice.payment_made', dataType: 'invoice', object: { id: 'inv:0-TestRenewal', status: 'PAID', subscription_id: 'TestSubscription01', payment_requests: [{ request_type: 'BALANCE', computed_amount_money: MONEY }] } },
  'subscription.canceled': { type: 'subscription.updated', dataType: 'subscription', object: { id: 'TestSubscription01', status: 'CANCELED', customer_id: 'TestCustomer01' } },
  'checkout.completed': { type: 'payment.updated', dataType: 'payment', object: { id: 'TestPaymentLink01', status: 'COMPLETED', amount_money: MONEY, source_type: 'CARD', order_id: 'TestCheckoutOrder' } },
  'payout.paid': { type: 'payout.paid', dataType: 'payout', object: { id: 'po_TestPayout01', status: 'PAID', amount_money: MONEY } },
  other: { type: 'customer.created', dataType: 'customer', object: { id: 'TestCustomer01', email_address: 'amelia.earhart@example.com' } },
};

/**
 * Square has no checkout or renewal event of its own: those kinds send the payment and the
 * paid subscription invoice Square sends for them (documented in docs/providers/square.md).
 */
function example(kind: EventKind, now: Date): Buffer {
  const { type, dataType, object } = EXAMPLES[kind];
  return Buffer.from(
    JSON.stringify({
      merchant_id: 'TestMerchant01',
      type,
      event_id: randomUUID(),
      created_at: now.toISOString(),
      data: { type: dataType, id: object.id, object: { [dataType]: { ...object, created_at: now.toISOString() } } },
    }),
  );
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Signature Key', 'In the Square Developer Console: Webhooks → your subscription → Signature key'),
  fields: [
    {
      name: 'notificationUrl',
      displayName: 'Notification URL',
      type: 'string',
      default: '',
      required: true,
      placeholder: 'https://n8n.example.com/webhook/square-payments',
      format: 'url',
      description: 'The URL exactly as registered in Square, character for character: Square signs it together with the body',
    },
  ],
};

export const square: Provider = { id: 'square', displayName: 'Square', settings: SETTINGS, verify, normalize, sign, example };
