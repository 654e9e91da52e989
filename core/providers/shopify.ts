/**
 * Shopify: `X-Shopify-Hmac-Sha256` (`shopify-hmac-sha256` on Events deliveries) is the base64
 * HMAC-SHA256 of the raw body with the app's client secret; after a secret rotation Shopify
 * signs with the old one for a while, so both are configured. Amounts are decimal strings.
 *
 * Only the body is signed: `X-Shopify-Topic`, `X-Shopify-Webhook-Id` and the time headers are
 * not, and Shopify signs no timestamp, so a captured request could be resent forever with any
 * of them changed. The event's identity therefore comes from the signed body alone: what the
 * object is (an order, a refund, a dispute, a subscription contract, a billing attempt), its
 * id, and the state that decides the kind (an order's `financial_status`, a dispute's
 * `status`). An object reaches each kind once, so `orders/create`, `orders/updated` and
 * `orders/paid` of one paid order are one `payment.succeeded`; an update that changes no kind
 * (`other`) is identified by the digest of its bytes. The topic header is kept as the
 * event's `type` only when it names the same object as the body; otherwise the body is refused.
 */
import { randomUUID } from 'node:crypto';
import type { EventKind, MoneyAmount } from '../event';
import { add } from '../money';
import { header, type HeaderHmacScheme } from './crypto';
import { headerHmacVerifier, signHeaderHmac } from './header-hmac';
import {
  bodyDigest,
  canonicalEvent,
  compact,
  decimalAmount,
  derivedId,
  fullName,
  isoTime,
  kindFrom,
  malformedBody,
  moneyOrUndefined,
  nonEmpty,
  parseJsonObject,
  pick,
  pickString,
  type JsonObject,
} from './payload';
import type { HeaderMap, Provider, ProviderSettings } from './types';
import { secretSetting } from './settings';

const SCHEME: HeaderHmacScheme = {
  headers: ['x-shopify-hmac-sha256', 'shopify-hmac-sha256'],
  algorithm: 'sha256',
  encoding: 'base64',
};

/** The objects Shopify's payment webhooks carry, named as the first part of their topics. */
type ObjectFamily = 'orders' | 'refunds' | 'disputes' | 'subscription_contracts' | 'subscription_billing_attempts';

/** What the signed body is about, and the kind its own fields say. */
interface Subject {
  family: ObjectFamily;
  objectId: string;
  kind: EventKind;
}

const DISPUTE_KINDS: Readonly<Record<string, EventKind>> = {
  needs_response: 'dispute.opened',
  under_review: 'dispute.opened',
  won: 'dispute.closed',
  lost: 'dispute.closed',
  accepted: 'dispute.closed',
  charge_refunded: 'dispute.closed',
};

const CONTRACT_KINDS: Readonly<Record<string, EventKind>> = { active: 'subscription.created', cancelled: 'subscription.canceled' };

function orderKind(body: JsonObject): EventKind {
  if (pick(body, 'cancelled_at') != null) return 'other';
  const status = pickString(body, 'financial_status');
  if (status === 'paid') return 'payment.succeeded';
  return status === 'pending' || status === 'authorized' ? 'checkout.completed' : 'other';
}

function billingAttemptKind(body: JsonObject): EventKind {
  if (pickString(body, 'error_code') !== undefined) return 'invoice.payment_failed';
  return pickString(body, 'order_id') !== undefined ? 'subscription.renewed' : 'other';
}

/** Reads the object from the body's own fields; undefined for a body of none of the families above. */
function subjectOf(body: JsonObject): Subject | undefined {
  const objectId = pickString(body, 'id') ?? pickString(body, 'admin_graphql_api_id');
  if (objectId === undefined) return undefined;
  if ('subscription_contract_id' in body && ('error_code' in body || 'ready' in body)) {
    return { family: 'subscription_billing_attempts', objectId, kind: billingAttemptKind(body) };
  }
  if ('billing_policy' in body || pickString(body, 'admin_graphql_api_id')?.startsWith('gid://shopify/SubscriptionContract/')) {
    return { family: 'subscription_contracts', objectId, kind: kindFrom(CONTRACT_KINDS, pickString(body, 'status') ?? '') };
  }
  if (Array.isArray(body.refund_line_items)) return { family: 'refunds', objectId, kind: 'payment.refunded' };
  if (typeof body.reason === 'string' && 'initiated_at' in body && 'order_id' in body) {
    return { family: 'disputes', objectId, kind: kindFrom(DISPUTE_KINDS, pickString(body, 'status') ?? '') };
  }
  if ('financial_status' in body || Array.isArray(body.line_items)) return { family: 'orders', objectId, kind: orderKind(body) };
  return undefined;
}

/**
 * The event id from signed content only. A refund or a billing attempt happens once; an order,
 * a dispute or a contract reaches each kind once; an `other` update is its bytes' digest.
 */
function eventIdOf(subject: Subject, rawBody: Buffer): string {
  if (subject.family === 'refunds' || subject.family === 'subscription_billing_attempts') return derivedId(subject.family, subject.objectId);
  const state = subject.kind === 'other' ? bodyDigest(rawBody) : subject.kind;
  return derivedId(subject.family, subject.objectId, state);
}

/** Reads the first of a header's spellings (classic `X-Shopify-*` or Events `shopify-*`). */
function shopifyHeader(headers: HeaderMap, name: string): string | undefined {
  return header(headers, `x-shopify-${name}`) ?? header(headers, `shopify-${name}`);
}

/** A refund's amount: the sum of its refund transactions (a refund can be split over several). */
function refundAmount(body: JsonObject): MoneyAmount | undefined {
  const transactions = pick(body, 'transactions');
  if (!Array.isArray(transactions)) return undefined;
  const refunds = transactions
    .filter((transaction) => pickString(transaction, 'kind') === 'refund' && pickString(transaction, 'status') !== 'failure')
    .map((transaction) => decimalAmount(pickString(transaction, 'amount'), pickString(transaction, 'currency')));
  // An unreadable part, or parts in different currencies, leave the total out rather than wrong.
  if (refunds.length === 0 || refunds.includes(undefined)) return undefined;
  const amounts = refunds as MoneyAmount[];
  return moneyOrUndefined(() => amounts.slice(1).reduce(add, amounts[0]));
}

function amountOf(family: ObjectFamily, body: JsonObject): MoneyAmount | undefined {
  if (family === 'refunds') return refundAmount(body);
  if (family === 'disputes') return decimalAmount(pickString(body, 'amount'), pickString(body, 'currency'));
  return decimalAmount(pickString(body, 'total_price'), pickString(body, 'currency'));
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Client Secret', 'Your Shopify app’s client secret (Partners Dashboard or the app’s settings)'),
  fields: [],
};

export const shopify: Provider = {
  id: 'shopify',
  displayName: 'Shopify',
  settings: SETTINGS,

  verify: headerHmacVerifier(SCHEME),

  normalize(request, receivedAt) {
    const parsed = parseJsonObject(request.rawBody);
    if (!parsed.ok) return parsed;
    const body = parsed.value;
    const subject = subjectOf(body);
    if (subject === undefined) return malformedBody('the signed body is not an order, refund, dispute, subscription contract or billing attempt');
    // The topic is unsigned: kept as the type only when it names the object the signed body is.
    const topic = shopifyHeader(request.headers, 'topic');
    if (topic === undefined) return malformedBody('the X-Shopify-Topic header is absent');
    if (topic.split('/')[0] !== subject.family) {
      return malformedBody(`the X-Shopify-Topic header (${topic}) names another object than the signed body, which is one of ${subject.family}`);
    }
    const isOrder = subject.family === 'orders';
    const customer = pick(body, 'customer');
    const test = pick(body, 'test');
    return {
      ok: true,
      events: [
        canonicalEvent(
          compact({
            id: eventIdOf(subject, request.rawBody),
            provider: 'shopify',
            type: topic,
            kind: subject.kind,
            occurredAt: isoTime(pick(body, 'updated_at') ?? pick(body, 'initiated_at') ?? pick(body, 'created_at'), receivedAt),
            livemode: typeof test === 'boolean' ? !test : undefined,
            amount: amountOf(subject.family, body),
            paymentId: isOrder ? pickString(body, 'id') : pickString(body, 'order_id'),
            subscriptionId: subject.family === 'subscription_contracts'
              ? pickString(body, 'admin_graphql_api_id') ?? pickString(body, 'id')
              : pickString(body, 'subscription_contract_id'),
            reference: isOrder ? pickString(body, 'name') : undefined,
            paymentMethod: pickString(body, 'payment_gateway_names', 0),
            customer: nonEmpty({
              id: pickString(customer, 'id'),
              email: pickString(customer, 'email') ?? (isOrder ? pickString(body, 'email') : undefined),
              name: fullName(pickString(customer, 'first_name'), pickString(customer, 'last_name')),
            }),
            failure:
              subject.kind === 'invoice.payment_failed'
                ? nonEmpty({ code: pickString(body, 'error_code'), message: pickString(body, 'error_message') })
                : undefined,
            risk: nonEmpty({ ip: isOrder ? pickString(body, 'browser_ip') : undefined }),
            verification: 'signature' as const,
            raw: body,
          }),
          receivedAt,
        ),
      ],
    };
  },

  sign(body, config, now) {
    const parsed = parseJsonObject(body);
    const topic = parsed.ok ? topicOf(parsed.value) : 'orders/create';
    return signHeaderHmac({
      scheme: SCHEME,
      providerId: 'shopify',
      body,
      config,
      headers: {
        'x-shopify-topic': topic,
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-triggered-at': now.toISOString(),
        'x-shopify-shop-domain': 'example.myshopify.com',
        'x-shopify-api-version': '2025-10',
      },
    });
  },

  example(kind, now) {
    const make = EXAMPLES[kind];
    if (make === undefined) throw new Error(`shopify has no example for ${kind}; it has ${Object.keys(EXAMPLES).join(', ')}`);
    return Buffer.from(JSON.stringify(make(now)));
  },
};

/**
 * The topic a test body stands for: `sign` receives only the body, and Shopify sends the
 * topic in a header, so it is read back from the shape `example` gives each topic.
 */
function topicOf(body: JsonObject): string {
  if (Array.isArray(body.refund_line_items)) return 'refunds/create';
  if (typeof body.reason === 'string' && typeof body.order_id === 'number') return 'disputes/create';
  if (body.financial_status === 'paid') return 'orders/paid';
  return 'orders/create';
}

function exampleOrder(now: Date, financialStatus: string): JsonObject {
  const id = 450789469 + (now.getTime() % 1000);
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: '#9999',
    email: 'jon@example.com',
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
    currency: 'USD',
    total_price: '403.00',
    financial_status: financialStatus,
    payment_gateway_names: ['bogus'],
    test: true,
    browser_ip: '192.0.2.1',
    customer: { id: 207119551, email: 'john@example.com', first_name: 'John', last_name: 'Smith' },
  };
}

const EXAMPLES: Partial<Record<EventKind, (now: Date) => JsonObject>> = {
  'checkout.completed': (now) => exampleOrder(now, 'pending'),
  'payment.succeeded': (now) => exampleOrder(now, 'paid'),
  'payment.refunded': (now) => ({
    id: 509562969,
    order_id: 450789469,
    created_at: now.toISOString(),
    note: 'Things were damaged',
    refund_line_items: [],
    transactions: [{ id: 389404469, kind: 'refund', status: 'success', amount: '41.94', currency: 'USD', gateway: 'bogus' }],
  }),
  'dispute.opened': (now) => ({
    id: 1052608616,
    order_id: 450789469,
    type: 'chargeback',
    amount: '11.50',
    currency: 'USD',
    reason: 'fraudulent',
    status: 'needs_response',
    initiated_at: now.toISOString(),
  }),
};
