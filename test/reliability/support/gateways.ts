import { randomBytes } from 'node:crypto';
import { hmacValidator as HmacValidator } from '@adyen/api-library';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';

/**
 * How three real gateways sign and re-send a webhook, for the gateway simulator. Signatures
 * come from each gateway's official SDK; the retry schedules are the gateways' own (real
 * time, compressed by the simulator).
 */
export interface GatewayProfile {
  /** The runtime's provider id for a source fed by this gateway. */
  provider: 'stripe' | 'standard-webhooks' | 'adyen';
  /** The source's secret (what the runtime's config holds). */
  secret: string;
  /** A realistic body for the n-th event of a run; `tag` makes ids unique per run. */
  body(n: number, tag: string): string;
  /** Headers for one attempt, signed at `now` (gateways sign each attempt afresh). */
  sign(body: string, now: Date): Record<string, string>;
  /** Waits between attempts in real (uncompressed) milliseconds; the first attempt is immediate. */
  retrySchedule: readonly number[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const stripeSdk = new Stripe('sk_test_reliability');

/**
 * Stripe: "up to three days with an exponential back off" (live mode); Stripe publishes no
 * exact intervals, so the doubling from one minute below stays within the documented span.
 */
export function stripeGateway(secret = `whsec_${randomBytes(16).toString('hex')}`): GatewayProfile {
  return {
    provider: 'stripe',
    secret,
    body: (n, tag) => {
      const created = Math.floor(Date.now() / 1000);
      const id = `evt_${tag}${String(n).padStart(6, '0')}`;
      return JSON.stringify({
        id,
        object: 'event',
        api_version: '2025-10-29.clover',
        created,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type: 'payment_intent.succeeded',
        data: {
          object: {
            id: `pi_${tag}${n}`,
            object: 'payment_intent',
            amount: 1000 + (n % 9000),
            amount_received: 1000 + (n % 9000),
            currency: 'usd',
            customer: `cus_${tag}${n % 500}`,
            status: 'succeeded',
            created,
            livemode: false,
          },
        },
      });
    },
    sign: (body, now) => ({
      'content-type': 'application/json',
      'stripe-signature': stripeSdk.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: Math.floor(now.getTime() / 1000) }),
    }),
    retrySchedule: Array.from({ length: 12 }, (_, index) => MINUTE * 2 ** index),
  };
}

/**
 * Standard Webhooks as Svix sends it. Svix documents its schedule: immediately, then 5 s,
 * 5 min, 30 min, 2 h, 5 h, 10 h and 10 h.
 */
export function standardWebhooksGateway(secret = `whsec_${randomBytes(24).toString('base64')}`): GatewayProfile {
  const webhook = new Webhook(secret);
  const messageId = (body: string) => (JSON.parse(body) as { data: { id: string } }).data.id.replace('pay_', 'msg_');
  return {
    provider: 'standard-webhooks',
    secret,
    body: (n, tag) =>
      JSON.stringify({
        type: 'payment.succeeded',
        timestamp: new Date().toISOString(),
        data: { id: `pay_${tag}${String(n).padStart(6, '0')}`, amount: 500 + (n % 5000), currency: 'EUR', customer: `cust_${n % 300}` },
      }),
    sign: (body, now) => {
      const id = messageId(body);
      return {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, now, body),
      };
    },
    retrySchedule: [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR],
  };
}

/**
 * Adyen standard notifications: each item carries its own HMAC (the SDK's HmacValidator).
 * Adyen retries after 2, 5, 10, 15, 30 minutes, then 1, 2, 4 and 8 hours, then every 8 hours.
 */
export function adyenGateway(secret = randomBytes(32).toString('hex').toUpperCase()): GatewayProfile {
  const sdk = new HmacValidator();
  return {
    provider: 'adyen',
    secret,
    body: (n, tag) => {
      const item: Record<string, unknown> = {
        amount: { value: 1000 + (n % 9000), currency: 'EUR' },
        eventCode: 'AUTHORISATION',
        eventDate: new Date().toISOString().replace(/\.\d+Z$/, '+00:00'),
        merchantAccountCode: 'ReliabilityTestAccount',
        merchantReference: `order-${tag}-${n}`,
        paymentMethod: 'visa',
        pspReference: `${tag.toUpperCase()}${String(n).padStart(8, '0')}`.slice(0, 16).padEnd(16, '0'),
        success: 'true',
      };
      item.additionalData = { hmacSignature: sdk.calculateHmac(item as never, secret) };
      return JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item }] });
    },
    // The HMAC is inside the body: every attempt sends the same bytes.
    sign: () => ({ 'content-type': 'application/json' }),
    retrySchedule: [2, 5, 10, 15, 30, 60, 120, 240, 480, 480, 480].map((minutes) => minutes * MINUTE),
  };
}
