/**
 * Chargebee signs nothing: a webhook carries only `Authorization: Basic …` with the user and
 * password set on the webhook, checked in constant time against the `user:password` pairs in
 * `secrets`. Those credentials travel with every request, so the event is a signal
 * (`verification: 'fetch_required'`) until `confirm` fetches it from
 * `GET https://{site}.chargebee.com/api/v2/events/{id}` with the source's `apiKey`.
 * Amounts are integers in the currency's minor unit.
 */
import { createHash } from 'node:crypto';
import type { EventKind, PaymentEvent, Verification } from '../event';
import { apiPathSegment } from './api-path';
import { header, matchAny, refuse, signingSecret } from './crypto';
import {
  apiBase,
  canonicalEvent,
  compact,
  fetchJsonObject,
  fullName,
  isoMinorAmount,
  isoTime,
  kindFrom,
  malformedBody,
  nonEmpty,
  parseJsonObject,
  pick,
  pickNumber,
  pickObject,
  pickString,
  type JsonObject,
} from './payload';
import type { Provider, ProviderSettings } from './types';
import { apiBaseUrl, secretSetting } from './settings';

const KINDS: Readonly<Record<string, EventKind>> = {
  payment_succeeded: 'payment.succeeded',
  payment_failed: 'payment.failed',
  payment_initiated: 'payment.pending',
  payment_refunded: 'payment.refunded',
  refund_initiated: 'payment.refunded',
  invoice_generated: 'invoice.created',
  subscription_created: 'subscription.created',
  subscription_renewed: 'subscription.renewed',
  subscription_cancelled: 'subscription.canceled',
};

const SITE = /^[a-z0-9][a-z0-9-]*$/i;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The canonical event from a Chargebee event object, as pushed or as fetched. */
function toEvent(body: JsonObject, receivedAt: Date, verification: Verification): PaymentEvent | undefined {
  const id = pickString(body, 'id');
  const type = pickString(body, 'event_type');
  if (id === undefined || type === undefined) return undefined;
  const content = pick(body, 'content');
  const transaction = pick(content, 'transaction');
  const invoice = pick(content, 'invoice');
  const customer = pick(content, 'customer');
  const kind = kindFrom(KINDS, type);
  return canonicalEvent(
    compact({
      id,
      provider: 'chargebee',
      type,
      kind,
      occurredAt: isoTime(pick(body, 'occurred_at'), receivedAt),
      amount:
        isoMinorAmount(pickNumber(pick(content, 'credit_note'), 'amount_refunded'), pickString(pick(content, 'credit_note'), 'currency_code')) ??
        isoMinorAmount(pickNumber(transaction, 'amount'), pickString(transaction, 'currency_code')) ??
        isoMinorAmount(pickNumber(invoice, 'total'), pickString(invoice, 'currency_code')),
      paymentId: pickString(transaction, 'id'),
      invoiceId: pickString(invoice, 'id'),
      subscriptionId: pickString(content, 'subscription', 'id'),
      reference: pickString(transaction, 'id_at_gateway'),
      paymentMethod: pickString(transaction, 'payment_method'),
      customer: nonEmpty({
        id: pickString(customer, 'id'),
        email: pickString(customer, 'email'),
        name: fullName(pickString(customer, 'first_name'), pickString(customer, 'last_name')),
      }),
      failure:
        kind === 'payment.failed'
          ? nonEmpty({ code: pickString(transaction, 'error_code'), message: pickString(transaction, 'error_text') })
          : undefined,
      verification,
      raw: body,
    }),
    receivedAt,
  );
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting(
    'Username:Password',
    'The Basic Authentication username and password set on the Chargebee webhook, written as username:password',
    'username:password',
  ),
  fields: [
    {
      name: 'site',
      displayName: 'Site',
      type: 'string',
      default: '',
      required: true,
      placeholder: 'acme',
      description: 'Your Chargebee site name (the part before .chargebee.com)',
    },
    {
      name: 'apiKey',
      displayName: 'API Key',
      type: 'string',
      password: true,
      default: '',
      required: true,
      description: 'Used to fetch each event from Chargebee before the workflow runs, since Chargebee does not sign webhooks',
    },
    apiBaseUrl('Chargebee'),
  ],
};

export const chargebee: Provider = {
  id: 'chargebee',
  displayName: 'Chargebee',
  settings: SETTINGS,

  async verify(request, config) {
    const { secrets } = config;
    if (secrets.length === 0) return refuse('missing_secret', 'no user:password pair is configured for this source');
    const value = header(request.headers, 'authorization');
    if (value === undefined || value.trim() === '') return refuse('missing_signature', 'the Authorization header is absent');
    const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(value.trim());
    if (match === null) return refuse('malformed_signature', 'the Authorization header is not "Basic <base64>"');
    const credentials = Buffer.from(match[1], 'base64').toString('utf8');
    if (!credentials.includes(':')) return refuse('malformed_signature', 'the Basic credentials are not "user:password"');
    // Hashing both sides gives equal-length digests, so the comparison is constant time.
    const result = matchAny(secrets, [sha256(credentials)], sha256);
    if (result.ok || result.reason !== 'signature_mismatch') return result;
    const padded = secrets.some((secret) => secret !== secret.trim());
    return refuse(
      'signature_mismatch',
      `the Basic credentials match no configured user:password pair${padded ? '; a configured pair has leading or trailing whitespace' : ''}`,
    );
  },

  normalize(request, receivedAt) {
    const parsed = parseJsonObject(request.rawBody);
    if (!parsed.ok) return parsed;
    const event = toEvent(parsed.value, receivedAt, 'fetch_required');
    if (event === undefined) return malformedBody('a Chargebee event needs `id` and `event_type`');
    return { ok: true, events: [event] };
  },

  async confirm(event, config, context) {
    const apiKey = config.apiKey;
    if (typeof apiKey !== 'string' || apiKey === '') return refuse('missing_secret', 'confirming a Chargebee event needs `apiKey`');
    const site = config.site;
    const hasBase = typeof config.apiBaseUrl === 'string' && config.apiBaseUrl !== '';
    if (!hasBase && (typeof site !== 'string' || !SITE.test(site))) {
      return refuse('missing_secret', 'confirming a Chargebee event needs `site`, the subdomain of your-site.chargebee.com');
    }
    const segment = apiPathSegment(event.id, 'the Chargebee event id');
    if (typeof segment !== 'string') return segment;
    const base = apiBase(config, `https://${String(site)}.chargebee.com`);
    const authorization = `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
    const fetched = await fetchJsonObject(`${base}/api/v2/events/${segment}`, authorization, context);
    if (!fetched.ok) return fetched;
    const object = pickObject(fetched.value, 'event');
    const confirmed = object === undefined ? undefined : toEvent(object, new Date(event.receivedAt), 'confirmed');
    if (confirmed === undefined || confirmed.id !== event.id) {
      return refuse('confirm_failed', `the API response does not hold event ${event.id}`);
    }
    return { ok: true, event: confirmed };
  },

  sign(body, config) {
    const credentials = signingSecret(config.secrets, 'chargebee');
    return {
      body,
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` },
    };
  },

  example(kind, now) {
    const type = Object.entries(KINDS).find(([, mapped]) => mapped === kind)?.[0];
    if (type === undefined) throw new Error(`chargebee has no example for ${kind}`);
    const occurredAt = Math.floor(now.getTime() / 1000);
    const customer = { id: '__test__KyVnHhSBWl7eY2bl', first_name: 'John', last_name: 'Doe', email: 'john@test.com', object: 'customer' };
    const subscription = { id: '__test__KyVnHhSBWl9QK2bn', customer_id: customer.id, status: 'active', object: 'subscription' };
    const transaction = {
      id: '__test__KyVnHhSBWlAG52bp',
      amount: 1000,
      currency_code: 'USD',
      payment_method: 'card',
      status: type === 'payment_failed' ? 'failure' : 'success',
      error_code: type === 'payment_failed' ? 'card_declined' : undefined,
      error_text: type === 'payment_failed' ? 'Your card was declined.' : undefined,
      object: 'transaction',
    };
    const invoice = { id: '__demo_inv__1', subscription_id: subscription.id, customer_id: customer.id, status: 'paid', total: 1000, currency_code: 'USD', object: 'invoice' };
    const content: JsonObject = { customer };
    const hasTransaction = type.startsWith('payment_') || type.startsWith('refund_');
    Object.assign(content, hasTransaction ? { subscription, transaction, invoice } : { subscription, invoice });
    return Buffer.from(
      JSON.stringify({
        id: `ev___test__${now.getTime().toString(36)}`,
        occurred_at: occurredAt,
        source: 'admin_console',
        object: 'event',
        api_version: 'v2',
        content,
        event_type: type,
        webhook_status: 'scheduled',
      }),
    );
  },
};
