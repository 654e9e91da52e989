/**
 * GoCardless: `Webhook-Signature` is the hex HMAC-SHA256 of the raw body with the endpoint
 * secret. One request carries a batch, `events[]`; each becomes one canonical event with its
 * own id, so a retried batch deduplicates event by event. Events name resources by id only
 * (`links`), so they carry no amounts.
 */
import type { EventKind, PaymentEvent } from '../event';
import type { HeaderHmacScheme } from './crypto';
import { headerHmacVerifier, signHeaderHmac } from './header-hmac';
import {
  canonicalEvent,
  compact,
  isoTime,
  kindFrom,
  malformedBody,
  nonEmpty,
  parseJsonObject,
  pick,
  pickObject,
  pickString,
  type JsonObject,
} from './payload';
import type { Provider, ProviderSettings } from './types';
import { secretSetting } from './settings';

const SCHEME: HeaderHmacScheme = { headers: ['webhook-signature'], algorithm: 'sha256', encoding: 'hex' };

/** Keyed by `resource_type.action`. */
const KINDS: Readonly<Record<string, EventKind>> = {
  'payments.created': 'payment.pending',
  'payments.submitted': 'payment.pending',
  'payments.confirmed': 'payment.succeeded',
  'payments.failed': 'payment.failed',
  'payments.charged_back': 'dispute.opened',
  'payments.chargeback_cancelled': 'dispute.closed',
  'payments.chargeback_settled': 'dispute.closed',
  'refunds.paid': 'payment.refunded',
  'subscriptions.created': 'subscription.created',
  'subscriptions.payment_created': 'subscription.renewed',
  'subscriptions.cancelled': 'subscription.canceled',
  'subscriptions.finished': 'subscription.canceled',
  'billing_requests.fulfilled': 'checkout.completed',
  'payouts.paid': 'payout.paid',
};

function toEvent(item: JsonObject, receivedAt: Date): PaymentEvent | undefined {
  const id = pickString(item, 'id');
  const resourceType = pickString(item, 'resource_type');
  const action = pickString(item, 'action');
  if (id === undefined || resourceType === undefined || action === undefined) return undefined;
  const type = `${resourceType}.${action}`;
  const kind = kindFrom(KINDS, type);
  const failed = kind === 'payment.failed';
  return canonicalEvent(
    compact({
      id,
      provider: 'gocardless',
      type,
      kind,
      occurredAt: isoTime(pick(item, 'created_at'), receivedAt),
      paymentId: pickString(item, 'links', 'payment'),
      subscriptionId: pickString(item, 'links', 'subscription'),
      reference: pickString(item, 'links', 'refund') ?? pickString(item, 'links', 'payout'),
      paymentMethod: pickString(item, 'details', 'scheme'),
      customer: nonEmpty({ id: pickString(item, 'links', 'customer') }),
      failure: failed
        ? nonEmpty({
            code: pickString(item, 'details', 'cause'),
            declineCode: pickString(item, 'details', 'reason_code'),
            message: pickString(item, 'details', 'description'),
          })
        : undefined,
      verification: 'signature' as const,
      raw: item,
    }),
    receivedAt,
  );
}

const EXAMPLES: Partial<Record<EventKind, [resourceType: string, action: string, cause: string]>> = {
  'payment.pending': ['payments', 'submitted', 'payment_submitted'],
  'payment.succeeded': ['payments', 'confirmed', 'payment_confirmed'],
  'payment.failed': ['payments', 'failed', 'insufficient_funds'],
  'payment.refunded': ['refunds', 'paid', 'refund_paid'],
  'dispute.opened': ['payments', 'charged_back', 'payment_charged_back'],
  'subscription.created': ['subscriptions', 'created', 'subscription_created'],
  'subscription.renewed': ['subscriptions', 'payment_created', 'payment_created'],
  'subscription.canceled': ['subscriptions', 'cancelled', 'mandate_cancelled'],
  'payout.paid': ['payouts', 'paid', 'payout_paid'],
};

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Webhook Endpoint Secret', 'In GoCardless: Developers → Webhook endpoints → your endpoint → Secret'),
  fields: [],
};

export const gocardless: Provider = {
  id: 'gocardless',
  displayName: 'GoCardless',
  settings: SETTINGS,

  verify: headerHmacVerifier(SCHEME),

  normalize(request, receivedAt) {
    const parsed = parseJsonObject(request.rawBody);
    if (!parsed.ok) return parsed;
    const items = parsed.value.events;
    if (!Array.isArray(items)) return malformedBody('a GoCardless webhook needs an `events` array');
    const events: PaymentEvent[] = [];
    for (const [index, item] of items.entries()) {
      // One unreadable item refuses the batch: acknowledging it would drop that event for good.
      const object = pickObject(item);
      const event = object === undefined ? undefined : toEvent(object, receivedAt);
      if (event === undefined) return malformedBody(`events[${index}] needs \`id\`, \`resource_type\` and \`action\``);
      events.push(event);
    }
    return { ok: true, events };
  },

  sign(body, config) {
    return signHeaderHmac({ scheme: SCHEME, providerId: 'gocardless', body, config });
  },

  example(kind, now) {
    const example = EXAMPLES[kind];
    if (example === undefined) throw new Error(`gocardless has no example for ${kind}; it has ${Object.keys(EXAMPLES).join(', ')}`);
    const [resourceType, action, cause] = example;
    const stamp = now.getTime().toString(36).toUpperCase();
    const linksByResource: Record<string, Record<string, string>> = {
      payments: { payment: `PM${stamp}`, mandate: `MD${stamp}` },
      refunds: { refund: `RF${stamp}`, payment: `PM${stamp}` },
      subscriptions: { subscription: `SB${stamp}`, mandate: `MD${stamp}` },
      payouts: { payout: `PO${stamp}` },
    };
    const links = linksByResource[resourceType];
    const event = {
      id: `EV${stamp}`,
      created_at: now.toISOString(),
      resource_type: resourceType,
      action,
      links,
      details: { origin: 'gocardless', cause, description: `Example ${resourceType} ${action} event.`, scheme: 'bacs' },
      metadata: {},
    };
    return Buffer.from(JSON.stringify({ events: [event], meta: { webhook_id: `WB${stamp}` } }));
  },
};
