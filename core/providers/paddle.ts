/**
 * Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>`, an HMAC-SHA256 of `"{ts}:{rawBody}"`
 * keyed with the notification destination's `pdl_ntfset_…` secret as UTF-8.
 */
import type { EventKind, PaymentEvent } from '../event';
import { signingSecret, timedHeaderValue, verifyTimedHeader, type TimedHeaderScheme } from './crypto';
import {
  canonicalEvent,
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
import type { NormalizeResult, Provider, ProviderContext, SignedRequest, SourceConfig, VerifyResult, WebhookRequest, ProviderSettings } from './types';
import { tolerance, secretSetting } from './settings';

const KINDS: Readonly<Record<string, EventKind>> = {
  'transaction.completed': 'payment.succeeded',
  'transaction.payment_failed': 'payment.failed',
  'transaction.past_due': 'invoice.payment_failed',
  'transaction.billed': 'invoice.created',
  'subscription.created': 'subscription.created',
  'subscription.canceled': 'subscription.canceled',
  'payout.paid': 'payout.paid',
};

/** Adjustments are refunds and chargebacks; their `action` says which. */
const ADJUSTMENT_ACTIONS: Readonly<Record<string, EventKind>> = {
  chargeback: 'dispute.opened',
  chargeback_warning: 'dispute.opened',
  chargeback_reverse: 'dispute.closed',
};

const SCHEME: TimedHeaderScheme = {
  header: 'Paddle-Signature',
  separator: ';',
  timestampKey: 'ts',
  signatureKey: 'h1',
  algorithm: 'sha256',
  encoding: 'hex',
  signedParts: (timestamp, rawBody) => [`${timestamp}:`, rawBody],
};

/**
 * The window defaults to the same 300 s as Stripe and Standard Webhooks, not the SDK's 5 s:
 * Paddle's own retries and any clock skew between Paddle and this host would otherwise refuse
 * genuine deliveries, and the idempotency key already stops a replay inside the window.
 */
async function verify(request: WebhookRequest, config: SourceConfig, context: ProviderContext): Promise<VerifyResult> {
  return verifyTimedHeader({ scheme: SCHEME, request, config, now: context.now });
}

function kindOf(type: string, data: JsonObject): EventKind {
  if (type === 'transaction.completed' && data.origin === 'subscription_recurring') return 'subscription.renewed';
  if (type === 'adjustment.created' || type === 'adjustment.updated') {
    const action = pickString(data, 'action') ?? '';
    // A refund is only money back once Paddle has approved it.
    if (action === 'refund') return data.status === 'approved' ? 'payment.refunded' : 'other';
    return kindFrom(ADJUSTMENT_ACTIONS, action);
  }
  return kindFrom(KINDS, type);
}

/** Paddle amounts are digit strings in the currency's lowest denomination (ISO minor units). */
function amountOf(data: JsonObject): PaymentEvent['amount'] {
  const value = pick(data, 'details', 'totals', 'grand_total') ?? pick(data, 'totals', 'total') ?? pick(data, 'amount');
  return providerMinorAmount(value, data.currency_code, 'iso');
}

function normalize(request: WebhookRequest, receivedAt: Date): NormalizeResult {
  const parsed = parseJsonObject(request.rawBody);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const id = pickString(body, 'event_id');
  const type = pickString(body, 'event_type');
  const data = pickObject(body, 'data');
  if (id === undefined || type === undefined || data === undefined) {
    return malformedBody('a Paddle notification needs event_id, event_type and data');
  }
  const entity = type.split('.')[0];
  const kind = kindOf(type, data);
  const payment = pick(data, 'payments', 0);
  const event = canonicalEvent(
    {
      id,
      provider: 'paddle',
      type,
      kind,
      occurredAt: isoTime(body.occurred_at, receivedAt),
      amount: amountOf(data),
      paymentId: entity === 'transaction' ? pickString(data, 'id') : pickString(data, 'transaction_id'),
      invoiceId: pickString(data, 'invoice_id') ?? pickString(data, 'invoice_number'),
      subscriptionId: entity === 'subscription' ? pickString(data, 'id') : pickString(data, 'subscription_id'),
      reference: pickString(data, 'invoice_number'),
      paymentMethod: pickString(payment, 'method_details', 'type'),
      customer: nonEmpty({
        id: entity === 'customer' ? pickString(data, 'id') : pickString(data, 'customer_id'),
        email: entity === 'customer' ? pickString(data, 'email') : undefined,
      }),
      failure:
        kind === 'payment.failed' || kind === 'invoice.payment_failed'
          ? nonEmpty({ code: pickString(payment, 'error_code') })
          : undefined,
      verification: 'signature',
      raw: body,
    },
    receivedAt,
  );
  return { ok: true, events: [event] };
}

function sign(body: Buffer, config: SourceConfig, now: Date): SignedRequest {
  const signature = timedHeaderValue(SCHEME, { secret: signingSecret(config.secrets, 'paddle'), body, now });
  return { body, headers: { 'content-type': 'application/json', 'paddle-signature': signature } };
}

const TOTALS = { subtotal: '2000', tax: '400', total: '2400', grand_total: '2400', fee: '170', earnings: '1830', currency_code: 'USD' };
const CARD_PAYMENT = { amount: '2400', status: 'captured', error_code: null, method_details: { type: 'card', card: { type: 'visa', last4: '4242' } } };
const TRANSACTION = {
  id: 'txn_01testexample000000000000', status: 'completed', customer_id: 'ctm_01testexample000000000000', currency_code: 'USD',
  origin: 'web', subscription_id: null, invoice_id: 'inv_01testexample000000000000', invoice_number: '325-10566', details: { totals: TOTALS }, payments: [CARD_PAYMENT],
};
const SUBSCRIPTION = { id: 'sub_01testexample000000000000', status: 'active', customer_id: 'ctm_01testexample000000000000', currency_code: 'USD' };
const REFUND = { id: 'adj_01testexample000000000000', action: 'refund', status: 'approved', transaction_id: TRANSACTION.id, customer_id: TRANSACTION.customer_id, currency_code: 'USD', totals: { subtotal: '2000', tax: '400', total: '2400', fee: '170', earnings: '1830', currency_code: 'USD' } };

const EXAMPLES: Readonly<Partial<Record<EventKind, { type: string; data: JsonObject }>>> = {
  'payment.succeeded': { type: 'transaction.completed', data: TRANSACTION },
  'payment.failed': { type: 'transaction.payment_failed', data: { ...TRANSACTION, status: 'ready', payments: [{ ...CARD_PAYMENT, status: 'error', error_code: 'declined' }] } },
  'payment.refunded': { type: 'adjustment.updated', data: REFUND },
  'dispute.opened': { type: 'adjustment.created', data: { ...REFUND, action: 'chargeback', status: 'approved' } },
  'dispute.closed': { type: 'adjustment.created', data: { ...REFUND, action: 'chargeback_reverse', status: 'approved' } },
  'invoice.created': { type: 'transaction.billed', data: { ...TRANSACTION, status: 'billed', payments: [] } },
  'invoice.payment_failed': { type: 'transaction.past_due', data: { ...TRANSACTION, status: 'past_due', origin: 'subscription_recurring', subscription_id: SUBSCRIPTION.id, payments: [{ ...CARD_PAYMENT, status: 'error', error_code: 'authentication_failed' }] } },
  'subscription.created': { type: 'subscription.created', data: SUBSCRIPTION },
  'subscription.renewed': { type: 'transaction.completed', data: { ...TRANSACTION, origin: 'subscription_recurring', subscription_id: SUBSCRIPTION.id } },
  'subscription.canceled': { type: 'subscription.canceled', data: { ...SUBSCRIPTION, status: 'canceled' } },
  'payout.paid': { type: 'payout.paid', data: { id: 'pay_01testexample000000000000', status: 'paid', amount: '10000', currency_code: 'USD' } },
  other: { type: 'customer.created', data: { id: 'ctm_01testexample000000000000', name: 'Sam Miller', email: 'sam@example.com', status: 'active' } },
};

/** Kinds Paddle has no notification for (payment.pending, invoice.paid, checkout.completed) get the unmapped example. */
function example(kind: EventKind, now: Date): Buffer {
  const { type, data } = EXAMPLES[kind] ?? EXAMPLES.other!;
  const occurred = now.toISOString();
  return Buffer.from(
    JSON.stringify({
      event_id: `evt_01test${now.getTime().toString(36)}${kind.replace(/\W/g, '')}`,
      event_type: type,
      occurred_at: occurred,
      notification_id: `ntf_01test${now.getTime().toString(36)}`,
      data: { ...data, created_at: occurred, updated_at: occurred },
    }),
  );
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting(
    'Secret Key',
    'In Paddle: Developer tools → Notifications → your destination → Secret key',
    'pdl_ntfset_...',
  ),
  fields: [tolerance(300)],
};

export const paddle: Provider = { id: 'paddle', displayName: 'Paddle Billing', settings: SETTINGS, verify, normalize, sign, example };
