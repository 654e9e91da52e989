/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`, an HMAC-SHA256 of `"{t}.{rawBody}"`
 * keyed with the whole `whsec_…` string. Stripe sends one v1 per active secret while an
 * endpoint secret is rolled, so every v1 is tried against every configured secret.
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
  pickNumber,
  pickObject,
  pickString,
  providerMinorAmount,
  type JsonObject,
} from './payload';
import type { NormalizeResult, Provider, ProviderContext, SignedRequest, SourceConfig, VerifyResult, WebhookRequest, ProviderSettings } from './types';
import { tolerance, secretSetting } from './settings';

const SCHEME: TimedHeaderScheme = {
  header: 'Stripe-Signature',
  separator: ',',
  timestampKey: 't',
  signatureKey: 'v1',
  algorithm: 'sha256',
  encoding: 'hex',
  signedParts: (timestamp, rawBody) => [`${timestamp}.`, rawBody],
};

const KINDS: Readonly<Record<string, EventKind>> = {
  'payment_intent.succeeded': 'payment.succeeded',
  'payment_intent.payment_failed': 'payment.failed',
  'payment_intent.processing': 'payment.pending',
  'charge.succeeded': 'payment.succeeded',
  'charge.failed': 'payment.failed',
  'charge.pending': 'payment.pending',
  'charge.refunded': 'payment.refunded',
  'charge.dispute.created': 'dispute.opened',
  'charge.dispute.closed': 'dispute.closed',
  'invoice.created': 'invoice.created',
  'invoice.paid': 'invoice.paid',
  'invoice.payment_failed': 'invoice.payment_failed',
  'customer.subscription.created': 'subscription.created',
  'customer.subscription.deleted': 'subscription.canceled',
  'checkout.session.completed': 'checkout.completed',
  'checkout.session.async_payment_succeeded': 'checkout.completed',
  'payout.paid': 'payout.paid',
};

async function verify(request: WebhookRequest, config: SourceConfig, context: ProviderContext): Promise<VerifyResult> {
  return verifyTimedHeader({ scheme: SCHEME, request, config, now: context.now });
}

/** The Stripe id of a field that is either an id string or an expanded object. */
function idOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : pickString(value, 'id');
}

function amountOf(type: string, object: JsonObject): { value: unknown; currency: unknown } {
  const currency = object.currency;
  if (type === 'charge.refunded') return { value: object.amount_refunded, currency };
  if (object.object === 'invoice') {
    return { value: type === 'invoice.paid' ? object.amount_paid : object.amount_due, currency };
  }
  if (object.object === 'checkout.session') return { value: object.amount_total, currency };
  if (object.object === 'payment_intent' && type === 'payment_intent.succeeded') {
    return { value: object.amount_received, currency };
  }
  return { value: object.amount, currency };
}

function paymentIdOf(object: JsonObject): string | undefined {
  if (object.object === 'payment_intent') return pickString(object, 'id');
  return idOf(object.payment_intent) ?? (object.object === 'charge' ? pickString(object, 'id') : idOf(object.charge));
}

function subscriptionIdOf(object: JsonObject): string | undefined {
  if (object.object === 'subscription') return pickString(object, 'id');
  return idOf(object.subscription) ?? pickString(object, 'parent', 'subscription_details', 'subscription');
}

function customerOf(object: JsonObject): PaymentEvent['customer'] {
  return nonEmpty({
    id: idOf(object.customer),
    email:
      pickString(object, 'receipt_email') ??
      pickString(object, 'customer_email') ??
      pickString(object, 'customer_details', 'email') ??
      pickString(object, 'billing_details', 'email'),
    name:
      pickString(object, 'customer_name') ??
      pickString(object, 'customer_details', 'name') ??
      pickString(object, 'billing_details', 'name'),
  });
}

/** PaymentIntents carry `last_payment_error`; Charges carry `failure_*` and the Radar `outcome`. */
function failureOf(object: JsonObject): PaymentEvent['failure'] {
  const error = pick(object, 'last_payment_error');
  const issuerDeclined = pickString(object, 'outcome', 'type') === 'issuer_declined';
  return nonEmpty({
    code: pickString(error, 'code') ?? pickString(object, 'failure_code'),
    declineCode: pickString(error, 'decline_code') ?? (issuerDeclined ? pickString(object, 'outcome', 'reason') : undefined),
    adviceCode: pickString(error, 'advice_code') ?? pickString(object, 'outcome', 'advice_code'),
    message: pickString(error, 'message') ?? pickString(object, 'failure_message'),
  });
}

function riskOf(object: JsonObject): PaymentEvent['risk'] {
  return nonEmpty({
    providerScore: pickNumber(object, 'outcome', 'risk_score'),
    cardFingerprint:
      pickString(object, 'payment_method_details', 'card', 'fingerprint') ??
      pickString(object, 'last_payment_error', 'payment_method', 'card', 'fingerprint'),
  });
}

function paymentMethodOf(object: JsonObject): string | undefined {
  const types = pick(object, 'payment_method_types');
  return (
    pickString(object, 'payment_method_details', 'type') ??
    pickString(object, 'last_payment_error', 'payment_method', 'type') ??
    (Array.isArray(types) && types.length === 1 ? pickString(types, 0) : undefined)
  );
}

/**
 * Stripe has no renewal event: a subscription renews when an invoice with billing_reason
 * `subscription_cycle` is paid, so that invoice.paid is reported as subscription.renewed.
 */
function kindOf(type: string, object: JsonObject): EventKind {
  if (type === 'invoice.paid' && object.billing_reason === 'subscription_cycle') return 'subscription.renewed';
  return kindFrom(KINDS, type);
}

function normalize(request: WebhookRequest, receivedAt: Date): NormalizeResult {
  const parsed = parseJsonObject(request.rawBody);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const id = pickString(body, 'id');
  const type = pickString(body, 'type');
  const data = pickObject(body, 'data', 'object');
  if (id === undefined || type === undefined || data === undefined) return malformedBody('a Stripe event needs id, type and data.object');
  const amount = amountOf(type, data);
  const event = canonicalEvent(
    {
      id,
      provider: 'stripe',
      type,
      kind: kindOf(type, data),
      occurredAt: isoTime(body.created, receivedAt),
      livemode: typeof body.livemode === 'boolean' ? body.livemode : undefined,
      amount: providerMinorAmount(amount.value, amount.currency, 'stripe'),
      paymentId: paymentIdOf(data),
      invoiceId: data.object === 'invoice' ? pickString(data, 'id') : idOf(data.invoice),
      subscriptionId: subscriptionIdOf(data),
      reference: pickString(data, 'client_reference_id') ?? pickString(data, 'metadata', 'order_id'),
      paymentMethod: paymentMethodOf(data),
      customer: customerOf(data),
      failure: failureOf(data),
      risk: riskOf(data),
      verification: 'signature',
      raw: body,
    },
    receivedAt,
  );
  return { ok: true, events: [event] };
}

function sign(body: Buffer, config: SourceConfig, now: Date): SignedRequest {
  const signature = timedHeaderValue(SCHEME, { secret: signingSecret(config.secrets, 'stripe'), body, now });
  return { body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
}

/** One realistic object per kind, in Stripe's shapes, for `send-test-event`. */
const EXAMPLES: Readonly<Record<EventKind, { type: string; object: JsonObject }>> = {
  'payment.succeeded': {
    type: 'payment_intent.succeeded',
    object: { object: 'payment_intent', id: 'pi_3TestSucceeded', amount: 2000, amount_received: 2000, currency: 'usd', status: 'succeeded', customer: 'cus_TestCustomer', payment_method_types: ['card'] },
  },
  'payment.failed': {
    type: 'payment_intent.payment_failed',
    object: {
      object: 'payment_intent', id: 'pi_3TestFailed', amount: 2000, currency: 'usd', status: 'requires_payment_method', customer: 'cus_TestCustomer',
      last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', advice_code: 'try_again_later', message: 'Your card has insufficient funds.', payment_method: { id: 'pm_TestCard', type: 'card', card: { brand: 'visa', last4: '9995', fingerprint: 'TestFingerprint1' } } },
    },
  },
  'payment.pending': { type: 'payment_intent.processing', object: { object: 'payment_intent', id: 'pi_3TestProcessing', amount: 2000, currency: 'eur', status: 'processing', payment_method_types: ['sepa_debit'] } },
  'payment.refunded': { type: 'charge.refunded', object: { object: 'charge', id: 'ch_3TestRefunded', amount: 2000, amount_refunded: 2000, currency: 'usd', refunded: true, payment_intent: 'pi_3TestSucceeded' } },
  'dispute.opened': { type: 'charge.dispute.created', object: { object: 'dispute', id: 'dp_TestDispute', amount: 2000, currency: 'usd', charge: 'ch_3TestDisputed', payment_intent: 'pi_3TestDisputed', reason: 'fraudulent', status: 'needs_response' } },
  'dispute.closed': { type: 'charge.dispute.closed', object: { object: 'dispute', id: 'dp_TestDispute', amount: 2000, currency: 'usd', charge: 'ch_3TestDisputed', payment_intent: 'pi_3TestDisputed', reason: 'fraudulent', status: 'won' } },
  'invoice.created': { type: 'invoice.created', object: { object: 'invoice', id: 'in_TestInvoice', amount_due: 1500, amount_paid: 0, currency: 'usd', customer: 'cus_TestCustomer', status: 'draft' } },
  'invoice.paid': { type: 'invoice.paid', object: { object: 'invoice', id: 'in_TestInvoice', amount_due: 1500, amount_paid: 1500, currency: 'usd', billing_reason: 'manual', customer: 'cus_TestCustomer', status: 'paid' } },
  'invoice.payment_failed': { type: 'invoice.payment_failed', object: { object: 'invoice', id: 'in_TestInvoice', amount_due: 1500, amount_paid: 0, currency: 'usd', customer: 'cus_TestCustomer', status: 'open', attempt_count: 1 } },
  'subscription.created': { type: 'customer.subscription.created', object: { object: 'subscription', id: 'sub_TestSubscription', customer: 'cus_TestCustomer', currency: 'usd', status: 'active' } },
  'subscription.renewed': { type: 'invoice.paid', object: { object: 'invoice', id: 'in_TestRenewal', amount_due: 1500, amount_paid: 1500, currency: 'usd', billing_reason: 'subscription_cycle', customer: 'cus_TestCustomer', status: 'paid', parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_TestSubscription' } } } },
  'subscription.canceled': { type: 'customer.subscription.deleted', object: { object: 'subscription', id: 'sub_TestSubscription', customer: 'cus_TestCustomer', currency: 'usd', status: 'canceled' } },
  'checkout.completed': { type: 'checkout.session.completed', object: { object: 'checkout.session', id: 'cs_test_TestSession', amount_total: 4500, currency: 'eur', mode: 'payment', payment_status: 'paid', status: 'complete', payment_intent: 'pi_3TestCheckout', customer_details: { email: 'jenny.rosen@example.com', name: 'Jenny Rosen' } } },
  'payout.paid': { type: 'payout.paid', object: { object: 'payout', id: 'po_TestPayout', amount: 110000, currency: 'usd', status: 'paid' } },
  other: { type: 'customer.updated', object: { object: 'customer', id: 'cus_TestCustomer', email: 'jenny.rosen@example.com' } },
};

function example(kind: EventKind, now: Date): Buffer {
  const { type, object } = EXAMPLES[kind];
  const created = Math.floor(now.getTime() / 1000);
  return Buffer.from(
    JSON.stringify({
      id: `evt_test_${created.toString(36)}${type.replace(/\W/g, '')}`,
      object: 'event',
      api_version: '2025-10-29.clover',
      created,
      data: { object: { ...object, created, livemode: false } },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    }),
  );
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting(
    'Signing Secret',
    'In Stripe: Developers → Webhooks → your endpoint → Signing secret',
    'whsec_...',
  ),
  fields: [tolerance(300)],
};

export const stripe: Provider = { id: 'stripe', displayName: 'Stripe', settings: SETTINGS, verify, normalize, sign, example };
