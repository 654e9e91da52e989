/**
 * Shopify: `X-Shopify-Hmac-Sha256` (`shopify-hmac-sha256` on Events deliveries) is the base64
 * HMAC-SHA256 of the raw body with the app's client secret; after a secret rotation Shopify
 * signs with the old one for a while, so both are configured. The event id and type are in
 * headers: `X-Shopify-Webhook-Id` (the same on every retry of one delivery) and
 * `X-Shopify-Topic`. Amounts are decimal strings (`"199.00"`).
 */
import { randomUUID } from 'node:crypto';
import type { EventKind, MoneyAmount } from '../event';
import { add } from '../money';
import { header, headerHmacValue, signingSecret, verifyHeaderHmac, type HeaderHmacScheme } from './crypto';
import {
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
import type { HeaderMap, Provider } from './types';

const SCHEME: HeaderHmacScheme = {
  headers: ['x-shopify-hmac-sha256', 'shopify-hmac-sha256'],
  algorithm: 'sha256',
  encoding: 'base64',
};

const KINDS: Readonly<Record<string, EventKind>> = {
  'orders/create': 'checkout.completed',
  'orders/paid': 'payment.succeeded',
  'refunds/create': 'payment.refunded',
  'disputes/create': 'dispute.opened',
  'subscription_contracts/create': 'subscription.created',
  'subscription_contracts/cancel': 'subscription.canceled',
  'subscription_billing_attempts/success': 'subscription.renewed',
  'subscription_billing_attempts/failure': 'invoice.payment_failed',
};

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

function amountOf(topic: string, body: JsonObject): MoneyAmount | undefined {
  if (topic === 'refunds/create') return refundAmount(body);
  if (topic.startsWith('disputes/')) return decimalAmount(pickString(body, 'amount'), pickString(body, 'currency'));
  return decimalAmount(pickString(body, 'total_price'), pickString(body, 'currency'));
}

export const shopify: Provider = {
  id: 'shopify',
  displayName: 'Shopify',

  async verify(request, config) {
    return verifyHeaderHmac(request.headers, request.rawBody, config.secrets ?? [], SCHEME);
  },

  normalize(request, receivedAt) {
    const parsed = parseJsonObject(request.rawBody);
    if (!parsed.ok) return parsed;
    const body = parsed.value;
    const topic = shopifyHeader(request.headers, 'topic');
    if (topic === undefined) return malformedBody('the X-Shopify-Topic header is absent, so the event has no type');
    // Without a webhook or event id header, the topic, the object's id and its update time identify the change.
    const id =
      shopifyHeader(request.headers, 'webhook-id') ??
      shopifyHeader(request.headers, 'event-id') ??
      derivedId(topic, pickString(body, 'id'), pickString(body, 'updated_at') ?? pickString(body, 'created_at'));
    const isOrder = topic.startsWith('orders/');
    const customer = pick(body, 'customer');
    const test = pick(body, 'test');
    return {
      ok: true,
      events: [
        canonicalEvent(
          compact({
            id,
            provider: 'shopify',
            type: topic,
            kind: kindFrom(KINDS, topic),
            occurredAt: isoTime(
              shopifyHeader(request.headers, 'triggered-at') ?? pick(body, 'updated_at') ?? pick(body, 'created_at'),
              receivedAt,
            ),
            livemode: typeof test === 'boolean' ? !test : undefined,
            amount: amountOf(topic, body),
            paymentId: isOrder ? pickString(body, 'id') : pickString(body, 'order_id'),
            subscriptionId: topic.startsWith('subscription_contracts/')
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
              topic === 'subscription_billing_attempts/failure'
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
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-hmac-sha256': headerHmacValue(SCHEME, signingSecret(config.secrets ?? [], 'shopify'), body),
        'x-shopify-topic': topic,
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-triggered-at': now.toISOString(),
        'x-shopify-shop-domain': 'example.myshopify.com',
        'x-shopify-api-version': '2025-10',
      },
    };
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
