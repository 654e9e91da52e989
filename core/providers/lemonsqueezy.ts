/**
 * Lemon Squeezy: `X-Signature` is the hex HMAC-SHA256 of the raw body with the webhook's
 * signing secret. Events carry no id of their own, so the id is derived as
 * `{meta.event_name}:{data.id}:{data.attributes.updated_at}`: a retry of one delivery repeats
 * all three, while a later change of the same object has a newer `updated_at`.
 * Amounts (`total`) are integer cents, ISO minor units.
 */
import type { EventKind } from '../event';
import type { HeaderHmacScheme } from './crypto';
import { headerHmacVerifier, signHeaderHmac } from './header-hmac';
import {
  canonicalEvent,
  compact,
  derivedId,
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
import type { Provider, ProviderSettings } from './types';
import { secretSetting } from './settings';

const SCHEME: HeaderHmacScheme = { headers: ['x-signature'], algorithm: 'sha256', encoding: 'hex' };

const KINDS: Readonly<Record<string, EventKind>> = {
  order_created: 'payment.succeeded',
  order_refunded: 'payment.refunded',
  subscription_created: 'subscription.created',
  subscription_cancelled: 'subscription.canceled',
  subscription_expired: 'subscription.canceled',
  subscription_payment_success: 'invoice.paid',
  subscription_payment_failed: 'invoice.payment_failed',
  subscription_payment_refunded: 'payment.refunded',
};

/** An order's own status refines `order_created`: a pending or failed order is not a success. */
const ORDER_STATUS_KINDS: Readonly<Record<string, EventKind>> = {
  pending: 'payment.pending',
  failed: 'payment.failed',
};

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Signing Secret', 'The signing secret you entered on the webhook in Lemon Squeezy'),
  fields: [],
};

export const lemonsqueezy: Provider = {
  id: 'lemonsqueezy',
  displayName: 'Lemon Squeezy',
  settings: SETTINGS,

  verify: headerHmacVerifier(SCHEME),

  normalize(request, receivedAt) {
    const parsed = parseJsonObject(request.rawBody);
    if (!parsed.ok) return parsed;
    const body = parsed.value;
    const eventName = pickString(body, 'meta', 'event_name');
    const dataType = pickString(body, 'data', 'type');
    const dataId = pickString(body, 'data', 'id');
    const attributes = pick(body, 'data', 'attributes');
    const updatedAt = pickString(attributes, 'updated_at');
    if (eventName === undefined || dataId === undefined || updatedAt === undefined) {
      return malformedBody('a Lemon Squeezy event needs `meta.event_name`, `data.id` and `data.attributes.updated_at`');
    }
    const status = pickString(attributes, 'status');
    const orderKind = eventName === 'order_created' && status !== undefined ? kindFrom(ORDER_STATUS_KINDS, status) : 'other';
    const kind = orderKind !== 'other' ? orderKind : kindFrom(KINDS, eventName);
    const testMode = pick(body, 'meta', 'test_mode');
    return {
      ok: true,
      events: [
        canonicalEvent(
          compact({
            id: derivedId(eventName, dataId, updatedAt),
            provider: 'lemonsqueezy',
            type: eventName,
            kind,
            occurredAt: isoTime(updatedAt, receivedAt),
            livemode: typeof testMode === 'boolean' ? !testMode : undefined,
            amount: isoMinorAmount(pickNumber(attributes, 'total'), pickString(attributes, 'currency')),
            paymentId: dataType === 'orders' ? dataId : pickString(attributes, 'order_id'),
            invoiceId: dataType === 'subscription-invoices' ? dataId : undefined,
            subscriptionId: dataType === 'subscriptions' ? dataId : pickString(attributes, 'subscription_id'),
            reference: pickString(attributes, 'identifier') ?? pickString(attributes, 'order_number'),
            paymentMethod: pickString(attributes, 'card_brand') !== undefined ? 'card' : undefined,
            customer: nonEmpty({
              id: pickString(attributes, 'customer_id'),
              email: pickString(attributes, 'user_email'),
              name: pickString(attributes, 'user_name'),
            }),
            verification: 'signature' as const,
            raw: body,
          }),
          receivedAt,
        ),
      ],
    };
  },

  sign(body, config) {
    const parsed = parseJsonObject(body);
    const eventName = parsed.ok ? pickString(parsed.value, 'meta', 'event_name') : undefined;
    return signHeaderHmac({ scheme: SCHEME, providerId: 'lemonsqueezy', body, config, headers: eventName === undefined ? {} : { 'x-event-name': eventName } });
  },

  example(kind, now) {
    const eventName = EXAMPLES[kind];
    if (eventName === undefined) throw new Error(`lemonsqueezy has no example for ${kind}; it has ${Object.keys(EXAMPLES).join(', ')}`);
    return Buffer.from(JSON.stringify({ meta: { event_name: eventName, test_mode: true }, data: exampleData(eventName, now) }));
  },
};

const EXAMPLES: Partial<Record<EventKind, string>> = {
  'payment.succeeded': 'order_created',
  'payment.refunded': 'order_refunded',
  'subscription.created': 'subscription_created',
  'subscription.canceled': 'subscription_cancelled',
  'invoice.paid': 'subscription_payment_success',
  'invoice.payment_failed': 'subscription_payment_failed',
};

function exampleData(eventName: string, now: Date): JsonObject {
  const common = { store_id: 1, customer_id: 1, user_name: 'John Doe', user_email: 'johndoe@example.com', created_at: now.toISOString(), updated_at: now.toISOString() };
  const id = String(now.getTime() % 100000);
  if (eventName.startsWith('order_')) {
    return {
      type: 'orders',
      id,
      attributes: { ...common, identifier: '104e18a2-d755-4d4b-80c4-a6c1dcbe1c10', order_number: 1, currency: 'USD', subtotal: 999, total: 999, status: eventName === 'order_refunded' ? 'refunded' : 'paid', refunded: eventName === 'order_refunded' },
    };
  }
  if (eventName.startsWith('subscription_payment_')) {
    return {
      type: 'subscription-invoices',
      id,
      attributes: { ...common, subscription_id: 1, billing_reason: 'renewal', card_brand: 'visa', card_last_four: '4242', currency: 'USD', subtotal: 999, total: 999, status: eventName === 'subscription_payment_failed' ? 'pending' : 'paid' },
    };
  }
  return {
    type: 'subscriptions',
    id,
    attributes: { ...common, order_id: 1, product_name: 'Example Product', status: eventName === 'subscription_cancelled' ? 'cancelled' : 'active', card_brand: 'visa', card_last_four: '4242' },
  };
}
