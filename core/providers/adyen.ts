/**
 * Adyen. Standard (payment) notifications carry no signature header: each
 * NotificationRequestItem holds `additionalData.hmacSignature`, the base64 HMAC-SHA256 of
 * `pspReference:originalReference:merchantAccountCode:merchantReference:amount.value:amount.currency:eventCode:success`
 * (missing values empty), keyed with the hex-decoded HMAC key. Platform and management
 * webhooks (balance platform, management API) instead send an `HmacSignature` header over
 * the raw body, with the same kind of key.
 */
import type { EventKind, PaymentEvent } from '../event';
import { decodeDigest, header, hmac, matchAny, refuse, signingSecret } from './crypto';
import {
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
  type JsonObject,
} from './payload';
import type { NormalizeResult, Provider, SignedRequest, SourceConfig, VerifyResult, WebhookRequest, ProviderSettings } from './types';
import { secretSetting } from './settings';

const HEADER = 'hmacsignature';
const HEX_KEY = /^(?:[0-9a-fA-F]{2})+$/;

/** Event codes whose kind depends only on `success` being "true". */
const SUCCESS_KINDS: Readonly<Record<string, EventKind>> = {
  AUTHORISATION: 'payment.succeeded',
  REFUND: 'payment.refunded',
  PENDING: 'payment.pending',
  PAYOUT_THIRDPARTY: 'payout.paid',
  NOTIFICATION_OF_CHARGEBACK: 'dispute.opened',
  REQUEST_FOR_INFORMATION: 'dispute.opened',
  CHARGEBACK: 'dispute.opened',
  CHARGEBACK_REVERSED: 'dispute.closed',
  SECOND_CHARGEBACK: 'dispute.closed',
  PREARBITRATION_WON: 'dispute.closed',
  PREARBITRATION_LOST: 'dispute.closed',
};

/** Event codes whose failure (`success: "false"`) means the money was not collected. */
const FAILURE_KINDS: Readonly<Record<string, EventKind>> = {
  AUTHORISATION: 'payment.failed',
  CAPTURE: 'payment.failed',
};

const CARD_BRANDS = new Set([
  'visa', 'mc', 'amex', 'discover', 'diners', 'jcb', 'maestro', 'cup', 'cartebancaire', 'bcmc', 'elo', 'hipercard',
  'visadankort', 'dankort', 'accel', 'pulse', 'star', 'nyce', 'card', 'scheme',
]);

/** Modification events refer to the payment through originalReference. */
const MODIFICATIONS = new Set(['CAPTURE', 'CAPTURE_FAILED', 'REFUND', 'REFUND_FAILED', 'CANCELLATION', 'CANCEL_OR_REFUND']);

/** A configured key as bytes; a key that is not hex can never match and yields no bytes. */
function keyBytes(secret: string): Buffer {
  const key = secret.trim();
  return HEX_KEY.test(key) ? Buffer.from(key, 'hex') : Buffer.alloc(0);
}

/** The items of a standard notification, or undefined when the body is not one. */
function notificationItems(body: JsonObject): JsonObject[] | undefined {
  const items = body.notificationItems;
  if (!Array.isArray(items)) return undefined;
  const found = items.map((entry) => pickObject(entry, 'NotificationRequestItem'));
  return found.every((item): item is JsonObject => item !== undefined) ? found : undefined;
}

function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/** The string Adyen signs for one item, in its documented field order. */
function adyenSigningString(item: JsonObject): string {
  return [
    item.pspReference,
    item.originalReference,
    item.merchantAccountCode,
    item.merchantReference,
    pick(item, 'amount', 'value'),
    pick(item, 'amount', 'currency'),
    item.eventCode,
    item.success,
  ]
    .map(text)
    .join(':');
}

function itemHmac(key: Buffer, item: JsonObject): Buffer {
  return hmac('sha256', key, Buffer.from(adyenSigningString(item), 'utf8'));
}

function verifyItems(items: JsonObject[], secrets: readonly string[]): VerifyResult {
  if (items.length === 0) return refuse('body_unreadable', 'the notification has no items');
  let first: VerifyResult | undefined;
  for (const [index, item] of items.entries()) {
    const value = pickString(item, 'additionalData', 'hmacSignature');
    const source = `item ${index + 1}'s additionalData.hmacSignature`;
    if (value === undefined) return refuse('missing_signature', `${source} is absent (enable HMAC signing for this webhook in the Customer Area)`);
    const signature = decodeDigest(value, { encoding: 'base64', algorithm: 'sha256', source });
    if (!Buffer.isBuffer(signature)) return signature;
    // Every item must verify: a forged item must not ride along with a genuine one.
    const matched = matchAny(secrets, [signature], (secret) => itemHmac(keyBytes(secret), item));
    if (!matched.ok) return refuse(matched.reason, `item ${index + 1} (${text(item.eventCode)}): ${matched.detail}`);
    first ??= matched;
  }
  return first!;
}

async function verify(request: WebhookRequest, config: SourceConfig): Promise<VerifyResult> {
  const { secrets } = config;
  if (secrets.length > 0 && !secrets.some((secret) => HEX_KEY.test(secret.trim()))) {
    return refuse('missing_secret', 'no configured HMAC key is hex; an Adyen HMAC key is 64 hex characters');
  }
  const headerValue = header(request.headers, HEADER);
  if (headerValue !== undefined) {
    const signature = decodeDigest(headerValue, { encoding: 'base64', algorithm: 'sha256', source: 'the HmacSignature header' });
    if (!Buffer.isBuffer(signature)) return signature;
    return matchAny(secrets, [signature], (secret) => hmac('sha256', keyBytes(secret), request.rawBody));
  }
  const parsed = parseJsonObject(request.rawBody);
  if (!parsed.ok) return refuse('body_unreadable', `the signature is inside the body, which cannot be read: ${parsed.detail}`);
  const items = notificationItems(parsed.value);
  if (items === undefined) {
    return refuse('missing_signature', 'no HmacSignature header and no notificationItems carrying hmacSignature');
  }
  return verifyItems(items, secrets);
}

function kindOf(item: JsonObject): EventKind {
  const code = text(item.eventCode);
  if (item.success !== 'true') return kindFrom(FAILURE_KINDS, code);
  if (code === 'CANCEL_OR_REFUND') {
    return pickString(item, 'additionalData', 'modification.action') === 'refund' ? 'payment.refunded' : 'other';
  }
  return kindFrom(SUCCESS_KINDS, code);
}

function paymentMethodOf(item: JsonObject): string | undefined {
  const method = pickString(item, 'paymentMethod');
  if (method === undefined) return undefined;
  return CARD_BRANDS.has(method.toLowerCase().split('_')[0]) ? 'card' : method;
}

function numeric(value: string | undefined): number | undefined {
  return value !== undefined && /^-?\d+(?:\.\d+)?$/.test(value) ? Number(value) : undefined;
}

/**
 * One event per item. Adyen gives no event id: pspReference + eventCode + success identifies
 * a notification (Adyen resends exactly that triple until it is accepted), so that is the id.
 */
function itemEvent(item: JsonObject, live: boolean | undefined, receivedAt: Date): PaymentEvent {
  const code = text(item.eventCode);
  const success = text(item.success);
  const psp = text(item.pspReference);
  const kind = kindOf(item);
  const data = pickObject(item.additionalData) ?? {};
  return canonicalEvent(
    {
      id: derivedId(psp, code, success),
      provider: 'adyen',
      type: code,
      kind,
      occurredAt: isoTime(item.eventDate, receivedAt),
      livemode: live,
      amount: providerMinorAmount(pick(item, 'amount', 'value'), pick(item, 'amount', 'currency'), 'adyen'),
      paymentId: MODIFICATIONS.has(code) || code.includes('CHARGEBACK') ? pickString(item, 'originalReference') ?? psp : psp,
      reference: pickString(item, 'merchantReference'),
      paymentMethod: paymentMethodOf(item),
      customer: nonEmpty({ id: pickString(data, 'shopperReference'), email: pickString(data, 'shopperEmail') }),
      failure:
        success === 'false'
          ? nonEmpty({ code: pickString(data, 'refusalReasonCode'), declineCode: pickString(data, 'refusalReasonRaw'), message: pickString(item, 'reason') })
          : undefined,
      risk: nonEmpty({ providerScore: numeric(pickString(data, 'totalFraudScore')), ip: pickString(data, 'shopperIP') }),
      verification: 'signature',
      raw: item,
    },
    receivedAt,
  );
}

/**
 * Platform and management webhooks have no event id either: type + the subject's id + the
 * webhook's timestamp (stable across Adyen's retries of one webhook).
 */
function platformEvent(body: JsonObject, receivedAt: Date): PaymentEvent | undefined {
  const type = pickString(body, 'type');
  const data = pickObject(body.data);
  if (type === undefined || data === undefined) return undefined;
  const subject = Object.values(data).map((value) => pickObject(value)).find((value) => pickString(value, 'id') !== undefined);
  const when = pickString(body, 'timestamp') ?? pickString(body, 'createdAt');
  return canonicalEvent(
    {
      id: derivedId(type, pickString(data, 'id') ?? pickString(subject, 'id'), pickString(data, 'sequenceNumber'), when),
      provider: 'adyen',
      type,
      kind: 'other',
      occurredAt: isoTime(when, receivedAt),
      livemode: body.environment === undefined ? undefined : body.environment === 'live',
      verification: 'signature',
      raw: body,
    },
    receivedAt,
  );
}

function normalize(request: WebhookRequest, receivedAt: Date): NormalizeResult {
  const parsed = parseJsonObject(request.rawBody);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const items = notificationItems(body);
  if (items !== undefined) {
    if (items.some((item) => pickString(item, 'pspReference') === undefined || pickString(item, 'eventCode') === undefined)) {
      return malformedBody('every Adyen NotificationRequestItem needs pspReference and eventCode');
    }
    const live = body.live === undefined ? undefined : text(body.live) === 'true';
    return { ok: true, events: items.map((item) => itemEvent(item, live, receivedAt)) };
  }
  const event = platformEvent(body, receivedAt);
  return event === undefined
    ? malformedBody('neither an Adyen standard notification (notificationItems) nor a platform webhook (type, data)')
    : { ok: true, events: [event] };
}

/**
 * Signs like Adyen: a standard notification gets each item's hmacSignature written into its
 * additionalData (so the body is re-serialized, as Adyen's own is generated); any other body
 * gets the HmacSignature header.
 */
function sign(body: Buffer, config: SourceConfig): SignedRequest {
  const key = keyBytes(signingSecret(config.secrets, 'adyen'));
  if (key.length === 0) throw new Error('adyen: the signing key must be hex');
  const parsed = parseJsonObject(body);
  const items = parsed.ok ? notificationItems(parsed.value) : undefined;
  if (!parsed.ok || items === undefined) {
    return { body, headers: { 'content-type': 'application/json', HmacSignature: hmac('sha256', key, body).toString('base64') } };
  }
  for (const item of items) {
    item.additionalData = { ...(pickObject(item.additionalData) ?? {}), hmacSignature: itemHmac(key, item).toString('base64') };
  }
  return { body: Buffer.from(JSON.stringify(parsed.value)), headers: { 'content-type': 'application/json' } };
}

const EXAMPLES: Readonly<Partial<Record<EventKind, { eventCode: string; success: string; extra?: JsonObject }>>> = {
  'payment.succeeded': { eventCode: 'AUTHORISATION', success: 'true' },
  'payment.failed': { eventCode: 'AUTHORISATION', success: 'false', extra: { reason: 'Refused', additionalData: { refusalReasonRaw: '05 : Do not honor' } } },
  'payment.pending': { eventCode: 'PENDING', success: 'true' },
  'payment.refunded': { eventCode: 'REFUND', success: 'true', extra: { originalReference: 'XB7XNCQ8HXSKGK82' } },
  'dispute.opened': { eventCode: 'NOTIFICATION_OF_CHARGEBACK', success: 'true', extra: { originalReference: 'XB7XNCQ8HXSKGK82', reason: 'Fraudulent transaction' } },
  'dispute.closed': { eventCode: 'CHARGEBACK_REVERSED', success: 'true', extra: { originalReference: 'XB7XNCQ8HXSKGK82' } },
  'payout.paid': { eventCode: 'PAYOUT_THIRDPARTY', success: 'true' },
  other: { eventCode: 'RECURRING_CONTRACT', success: 'true' },
};

/** Kinds Adyen has no notification for (invoices, subscriptions, checkout) get the unmapped example. */
function example(kind: EventKind, now: Date): Buffer {
  const { eventCode, success, extra } = EXAMPLES[kind] ?? EXAMPLES.other!;
  const item = {
    amount: { currency: 'EUR', value: 1000 },
    eventCode,
    eventDate: now.toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    merchantAccountCode: 'TestMerchantECOM',
    merchantReference: 'order-1001',
    paymentMethod: 'visa',
    pspReference: `T${now.getTime()}`.slice(0, 16),
    reason: '',
    success,
    ...extra,
    additionalData: { shopperReference: 'shopper-42', ...(pickObject(extra?.additionalData) ?? {}) },
  };
  return Buffer.from(JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item }] }));
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting(
    'HMAC Key',
    'In the Adyen Customer Area: Developers → Webhooks → your webhook → HMAC key (64 hexadecimal characters)',
  ),
  fields: [],
};

export const adyen: Provider = { id: 'adyen', displayName: 'Adyen', settings: SETTINGS, verify, normalize, sign, example };
