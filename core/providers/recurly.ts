/**
 * Recurly (JSON webhooks): `recurly-signature: <ms-timestamp>,<hex>[,<hex>…]`, each hex the
 * HMAC-SHA256 of `"{timestamp}.{rawBody}"` with a webhook key; while a key rotates Recurly
 * sends one signature per key. The timestamp must be within `toleranceSeconds` (300 by
 * default) in either direction. Notifications are thin: they name the object (`uuid`,
 * `account_code`) and carry no amounts.
 */
import type { EventKind } from '../event';
import { decodeDigest, header, hmac, matchThenCheckTime, refuse, signingSecret } from './crypto';
import {
  canonicalEvent,
  compact,
  isoTime,
  kindFrom,
  malformedBody,
  nonEmpty,
  parseJsonObject,
  pick,
  pickString,
} from './payload';
import type { Provider, ProviderSettings } from './types';
import { tolerance, secretSetting } from './settings';


/** Keyed by `object_type.event_type`. */
const KINDS: Readonly<Record<string, EventKind>> = {
  'payment.succeeded': 'payment.succeeded',
  'payment.failed': 'payment.failed',
  'payment.refunded': 'payment.refunded',
  'charge_invoice.created': 'invoice.created',
  'charge_invoice.paid': 'invoice.paid',
  'charge_invoice.failed': 'invoice.payment_failed',
  'charge_invoice.past_due': 'invoice.payment_failed',
  'subscription.created': 'subscription.created',
  'subscription.renewed': 'subscription.renewed',
  'subscription.canceled': 'subscription.canceled',
  'subscription.expired': 'subscription.canceled',
  'dispute.created': 'dispute.opened',
  'dispute.won': 'dispute.closed',
  'dispute.lost': 'dispute.closed',
  'dispute.accepted': 'dispute.closed',
};

function signedBytes(timestamp: string, rawBody: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), rawBody]);
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Webhook Key', 'In Recurly: Integrations → Webhooks → the signature key'),
  fields: [tolerance(300)],
};

export const recurly: Provider = {
  id: 'recurly',
  displayName: 'Recurly',
  settings: SETTINGS,

  async verify(request, config, context) {
    const { secrets } = config;
    if (secrets.length === 0) return refuse('missing_secret', 'no secret is configured for this source');
    const value = header(request.headers, 'recurly-signature');
    if (value === undefined || value.trim() === '') return refuse('missing_signature', 'the recurly-signature header is absent');
    const [timestamp, ...hexes] = value.split(',').map((part) => part.trim());
    if (!/^\d{10,16}$/.test(timestamp) || hexes.length === 0) {
      return refuse('malformed_signature', 'the recurly-signature header is not "<ms-timestamp>,<hex>[,<hex>]"');
    }
    const signatures: Buffer[] = [];
    for (const [index, hex] of hexes.entries()) {
      const decoded = decodeDigest(hex, { encoding: 'hex', algorithm: 'sha256', source: `signature ${index + 1} of the recurly-signature header` });
      if (!Buffer.isBuffer(decoded)) return decoded;
      signatures.push(decoded);
    }
    const bytes = signedBytes(timestamp, request.rawBody);
    return matchThenCheckTime(config, {
      signatures,
      compute: (secret) => hmac('sha256', secret, bytes),
      timestampSeconds: Number(timestamp) / 1000,
      now: context.now,
    });
  },

  normalize(request, receivedAt) {
    const parsed = parseJsonObject(request.rawBody);
    if (!parsed.ok) return parsed;
    const body = parsed.value;
    const id = pickString(body, 'id');
    const objectType = pickString(body, 'object_type');
    const eventType = pickString(body, 'event_type');
    if (id === undefined || objectType === undefined || eventType === undefined) {
      return malformedBody('a Recurly notification needs `id`, `object_type` and `event_type`');
    }
    const type = `${objectType}.${eventType}`;
    const uuid = pickString(body, 'uuid');
    return {
      ok: true,
      events: [
        canonicalEvent(
          compact({
            id,
            provider: 'recurly',
            type,
            kind: kindFrom(KINDS, type),
            occurredAt: isoTime(pick(body, 'event_time'), receivedAt),
            paymentId: objectType === 'payment' ? uuid : undefined,
            invoiceId: objectType.endsWith('invoice') ? uuid : undefined,
            subscriptionId: objectType === 'subscription' ? uuid : undefined,
            reference: objectType === 'dispute' ? uuid : pickString(body, 'invoice_number'),
            customer: nonEmpty({ id: pickString(body, 'account_code') }),
            verification: 'signature' as const,
            raw: body,
          }),
          receivedAt,
        ),
      ],
    };
  },

  sign(body, config, now) {
    const timestamp = String(now.getTime());
    const bytes = signedBytes(timestamp, body);
    const { secrets } = config;
    signingSecret(secrets, 'recurly');
    // Like Recurly during a key rotation: one signature per active key.
    const signatures = secrets.map((secret) => hmac('sha256', secret, bytes).toString('hex'));
    return { body, headers: { 'content-type': 'application/json', 'recurly-signature': [timestamp, ...signatures].join(',') } };
  },

  example(kind, now) {
    const type = Object.entries(KINDS).find(([, mapped]) => mapped === kind)?.[0];
    if (type === undefined) throw new Error(`recurly has no example for ${kind}`);
    const [objectType, eventType] = type.split('.');
    const notification: Record<string, unknown> = {
      id: `${now.getTime().toString(36)}test`,
      object_type: objectType,
      site_id: 'ito9tftv2dce',
      event_type: eventType,
      event_time: now.toISOString(),
      account_code: 'account-1',
      uuid: '5ccbd50edd8e9f5b1e5ec346a5b1b09e',
    };
    if (objectType === 'charge_invoice') notification.invoice_number = '1001';
    return Buffer.from(JSON.stringify(notification));
  },
};
