/**
 * Mollie, in its two webhook generations.
 *
 * Classic: the body is only `id=tr_…` (form encoded) and nothing is signed, so the event is a
 * signal (`verification: 'fetch_required'`) until `confirm` fetches the payment with the
 * source's `apiKey` and takes its status from Mollie itself. Forging a classic webhook can at
 * most make us look a payment up.
 *
 * Next-gen: `X-Mollie-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with the
 * webhook secret; the JSON event names its type and embeds the entity.
 */
import type { EventKind, PaymentEvent } from '../event';
import { apiPathSegment } from './api-path';
import { header, refuse, type HeaderHmacScheme } from './crypto';
import { headerHmacVerifier, signHeaderHmac } from './header-hmac';
import {
  apiBase,
  canonicalEvent,
  compact,
  decimalAmount,
  derivedId,
  fetchJsonObject,
  isoTime,
  kindFrom,
  malformedBody,
  nonEmpty,
  parseJsonObject,
  pick,
  pickString,
  type JsonObject,
} from './payload';
import type { NormalizeResult, Provider, SignedRequest, WebhookRequest, ProviderSettings } from './types';
import { apiBaseUrl } from './settings';

const SCHEME: HeaderHmacScheme = { headers: ['x-mollie-signature'], algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' };
const verifySignature = headerHmacVerifier(SCHEME);
const API = 'https://api.mollie.com';

/** Next-gen event types. */
const KINDS: Readonly<Record<string, EventKind>> = {
  'payment-link.paid': 'checkout.completed',
  'sales-invoice.created': 'invoice.created',
  'sales-invoice.issued': 'invoice.created',
  'sales-invoice.paid': 'invoice.paid',
};

/** Payment statuses, for the confirmed classic event. */
const STATUS_KINDS: Readonly<Record<string, EventKind>> = {
  open: 'payment.pending',
  pending: 'payment.pending',
  authorized: 'payment.pending',
  paid: 'payment.succeeded',
  failed: 'payment.failed',
  canceled: 'payment.failed',
  expired: 'payment.failed',
};

const CLASSIC_ID = /^[a-z]{2,4}_[A-Za-z0-9]+$/;

/** The resource id of a classic webhook (`id=tr_…`), or undefined when the body is not one. */
function classicId(rawBody: Buffer): string | undefined {
  if (rawBody.length > 200) return undefined;
  const form = new URLSearchParams(rawBody.toString('utf8'));
  const keys = [...form.keys()];
  const id = form.get('id');
  return keys.length === 1 && id !== null && CLASSIC_ID.test(id) ? id : undefined;
}

function classicEvent(id: string, receivedAt: Date): PaymentEvent {
  // Classic webhooks say only "this payment changed": the type and kind come from confirm.
  return canonicalEvent(
    compact({
      id,
      provider: 'mollie',
      type: 'payment.changed',
      kind: 'other' as const,
      occurredAt: receivedAt.toISOString(),
      paymentId: id.startsWith('tr_') ? id : undefined,
      verification: 'fetch_required' as const,
      raw: { id },
    }),
    receivedAt,
  );
}

function nextGenEvent(body: JsonObject, receivedAt: Date): NormalizeResult {
  const id = pickString(body, 'id');
  const type = pickString(body, 'type');
  if (id === undefined || type === undefined) return malformedBody('a Mollie next-gen event needs `id` and `type`');
  const entity = pick(body, '_embedded', 'entity');
  const entityId = pickString(body, 'entityId');
  return {
    ok: true,
    events: [
      canonicalEvent(
        compact({
          id,
          provider: 'mollie',
          type,
          kind: kindFrom(KINDS, type),
          occurredAt: isoTime(pick(body, 'createdAt'), receivedAt),
          livemode: modeIsLive(pickString(entity, 'mode')),
          amount:
            decimalAmount(pickString(entity, 'amount', 'value'), pickString(entity, 'amount', 'currency')) ??
            decimalAmount(pickString(entity, 'totalAmount', 'value'), pickString(entity, 'totalAmount', 'currency')),
          invoiceId: type.startsWith('sales-invoice.') ? entityId : undefined,
          reference: type.startsWith('sales-invoice.') ? pickString(entity, 'invoiceNumber') : entityId,
          customer: nonEmpty({ email: pickString(entity, 'recipient', 'email') }),
          verification: 'signature' as const,
          raw: body,
        }),
        receivedAt,
      ),
    ],
  };
}

function modeIsLive(mode: string | undefined): boolean | undefined {
  return mode === undefined ? undefined : mode === 'live';
}

function positive(value: string | undefined): boolean {
  return value !== undefined && /[1-9]/.test(value);
}

/**
 * The confirmed event from a fetched payment. Mollie sends the same classic webhook for
 * every change of a payment, so the id is derived from what changed: `{paymentId}:{status}`,
 * or `{paymentId}:refunded:{amountRefunded}` / `{paymentId}:charged_back:{amountChargedBack}`
 * once money went back, so each refund or chargeback total is its own event.
 */
function confirmedEvent(payment: JsonObject, receivedAt: Date): PaymentEvent | undefined {
  const paymentId = pickString(payment, 'id');
  const status = pickString(payment, 'status');
  if (paymentId === undefined || status === undefined) return undefined;
  const refunded = pickString(payment, 'amountRefunded', 'value');
  const chargedBack = pickString(payment, 'amountChargedBack', 'value');
  const [type, kind, id] = positive(chargedBack)
    ? ['payment.charged_back', 'dispute.opened' as const, derivedId(paymentId, 'charged_back', chargedBack)]
    : positive(refunded)
      ? ['payment.refunded', 'payment.refunded' as const, derivedId(paymentId, 'refunded', refunded)]
      : [`payment.${status}`, kindFrom(STATUS_KINDS, status), derivedId(paymentId, status)];
  const currency = pickString(payment, 'amount', 'currency');
  return canonicalEvent(
    compact({
      id,
      provider: 'mollie',
      type,
      kind,
      occurredAt: isoTime(
        pick(payment, 'paidAt') ?? pick(payment, 'failedAt') ?? pick(payment, 'canceledAt') ?? pick(payment, 'expiredAt') ?? pick(payment, 'createdAt'),
        receivedAt,
      ),
      livemode: modeIsLive(pickString(payment, 'mode')),
      amount:
        kind === 'payment.refunded'
          ? decimalAmount(refunded, currency)
          : kind === 'dispute.opened'
            ? decimalAmount(chargedBack, currency)
            : decimalAmount(pickString(payment, 'amount', 'value'), currency),
      paymentId,
      subscriptionId: pickString(payment, 'subscriptionId'),
      reference: pickString(payment, 'orderId'),
      paymentMethod: pickString(payment, 'method'),
      customer: nonEmpty({ id: pickString(payment, 'customerId'), name: pickString(payment, 'details', 'consumerName') ?? pickString(payment, 'details', 'cardHolder') }),
      failure:
        kind === 'payment.failed'
          ? nonEmpty({ code: pickString(payment, 'details', 'failureReason') ?? status, message: pickString(payment, 'details', 'failureMessage') })
          : undefined,
      risk: nonEmpty({ cardFingerprint: pickString(payment, 'details', 'cardFingerprint') }),
      verification: 'confirmed' as const,
      raw: payment,
    }),
    receivedAt,
  );
}

function isSigned(request: WebhookRequest): boolean {
  return header(request.headers, 'x-mollie-signature') !== undefined;
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: {
    displayName: 'Webhook Signing Secret',
    description: 'For Mollie’s signed (next-gen) webhooks. Leave empty for classic webhooks: those are confirmed with the API key instead',
    optional: true,
  },
  fields: [
    {
      name: 'apiKey',
      displayName: 'API Key',
      type: 'string',
      password: true,
      default: '',
      required: true,
      placeholder: 'live_...',
      description: 'Used to fetch each payment from Mollie before the workflow runs, since classic webhooks carry only an ID',
    },
    apiBaseUrl('Mollie'),
  ],
};

export const mollie: Provider = {
  id: 'mollie',
  displayName: 'Mollie',
  settings: SETTINGS,

  async verify(request, config) {
    if (isSigned(request)) return verifySignature(request, config);
    // Unsigned classic webhooks are accepted as a signal only: normalize marks them fetch_required.
    if (classicId(request.rawBody) !== undefined) return { ok: true };
    return refuse('missing_signature', 'the X-Mollie-Signature header is absent and the body is not a classic `id=…` webhook');
  },

  normalize(request, receivedAt) {
    const id = classicId(request.rawBody);
    if (id !== undefined) return { ok: true, events: [classicEvent(id, receivedAt)] };
    const parsed = parseJsonObject(request.rawBody);
    if (!parsed.ok) return malformedBody('the body is neither a classic `id=tr_…` form nor a next-gen JSON event');
    return nextGenEvent(parsed.value, receivedAt);
  },

  async confirm(event, config, context) {
    if (event.verification !== 'fetch_required') return { ok: true, event };
    if (!event.id.startsWith('tr_')) {
      return refuse('confirm_failed', `classic webhooks are confirmed for payments (tr_…); ${event.id.split('_')[0]}_ resources are not fetched`);
    }
    const apiKey = config.apiKey;
    if (typeof apiKey !== 'string' || apiKey === '') return refuse('missing_secret', 'a classic Mollie webhook needs `apiKey` to fetch the payment');
    const segment = apiPathSegment(event.id, 'the Mollie payment id');
    if (typeof segment !== 'string') return segment;
    const fetched = await fetchJsonObject(`${apiBase(config, API)}/v2/payments/${segment}`, `Bearer ${apiKey}`, context);
    if (!fetched.ok) return fetched;
    if (pickString(fetched.value, 'id') !== event.id) return refuse('confirm_failed', `the API returned another payment than ${event.id}`);
    const confirmed = confirmedEvent(fetched.value, new Date(event.receivedAt));
    return confirmed === undefined ? refuse('confirm_failed', 'the fetched payment has no `id` or `status`') : { ok: true, event: confirmed };
  },

  sign(body, config): SignedRequest {
    // Without a next-gen secret the source takes classic webhooks, which carry no signature.
    if (config.secrets.length === 0) return { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    return signHeaderHmac({ scheme: SCHEME, providerId: 'mollie', body, config });
  },

  example(kind, now) {
    const stamp = now.getTime().toString(36);
    const types: Partial<Record<EventKind, string>> = {
      'checkout.completed': 'payment-link.paid',
      'invoice.created': 'sales-invoice.created',
      'invoice.paid': 'sales-invoice.paid',
    };
    const type = types[kind];
    if (type === undefined) throw new Error(`mollie has no example for ${kind}; it has ${Object.keys(types).join(', ')}`);
    const entityId = type === 'payment-link.paid' ? `pl_${stamp}` : `invoice_${stamp}`;
    const entity =
      type === 'payment-link.paid'
        ? { resource: 'payment-link', id: entityId, mode: 'test', description: 'Bicycle tires', amount: { currency: 'EUR', value: '24.95' }, paidAt: now.toISOString() }
        : { resource: 'sales-invoice', id: entityId, mode: 'test', invoiceNumber: 'INV-0000001', status: type === 'sales-invoice.paid' ? 'paid' : 'draft', totalAmount: { currency: 'EUR', value: '89.00' }, recipient: { type: 'consumer', email: 'jane.doe@example.org' } };
    return Buffer.from(
      JSON.stringify({ resource: 'event', id: `event_${stamp}`, type, entityId, createdAt: now.toISOString(), _embedded: { entity } }),
    );
  },
};
