/**
 * Standard Webhooks (standardwebhooks.com; Svix and the gateways that follow the spec):
 * `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<b64> [v1,<b64> …]`, an HMAC-SHA256 of
 * `"{id}.{timestamp}.{rawBody}"` keyed with the base64-decoded secret after its `whsec_` prefix.
 * Svix sends the same headers named `svix-*`: the first complete set is read, by `verify` and
 * `normalize` alike.
 */
import { EVENT_KINDS, validateEvent, type EventKind, type PaymentEvent } from '../event';
import { decodeDigests, header, hmac, matchThenCheckTime, refuse, signingSecret } from './crypto';
import { canonicalEvent, isoTime, malformedBody, parseJsonObject, pickString, stableTestId, type JsonObject } from './payload';
import type {
  HeaderMap,
  NormalizeResult,
  Provider,
  ProviderContext,
  SignedRequest,
  SourceConfig,
  VerifyResult,
  WebhookRequest,
  ProviderSettings,
} from './types';
import { tolerance, secretSetting } from './settings';

const PROVIDER_ID = 'standard-webhooks';

interface MessageHeaders {
  id: string;
  timestamp: string;
  signature: string;
}

/** The `webhook-*` set, else the `svix-*` set; undefined when neither is complete. */
function messageHeaders(headers: HeaderMap): MessageHeaders | undefined {
  for (const prefix of ['webhook', 'svix']) {
    const id = header(headers, `${prefix}-id`);
    const timestamp = header(headers, `${prefix}-timestamp`);
    const signature = header(headers, `${prefix}-signature`);
    if (id && timestamp && signature) return { id, timestamp, signature };
  }
  return undefined;
}

/** The signing key: the secret without its `whsec_` prefix, base64-decoded, as the spec says. */
function signingKey(secret: string): Buffer {
  return Buffer.from(secret.trim().replace(/^whsec_/, ''), 'base64');
}

function signedContent(id: string, timestamp: string, rawBody: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), rawBody]);
}

async function verify(request: WebhookRequest, config: SourceConfig, context: ProviderContext): Promise<VerifyResult> {
  const message = messageHeaders(request.headers);
  if (message === undefined) {
    return refuse('missing_signature', 'the webhook-id, webhook-timestamp and webhook-signature headers (or svix-*) are not all present');
  }
  if (!/^\d+$/.test(message.timestamp.trim())) return refuse('malformed_signature', 'the webhook-timestamp header is not unix seconds');
  // A space-separated list of `<version>,<signature>`; only v1 (HMAC-SHA256) is symmetric.
  const v1 = message.signature
    .trim()
    .split(/\s+/)
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice(3));
  if (v1.length === 0) return refuse('malformed_signature', 'the webhook-signature header has no v1, entry');
  const signatures = decodeDigests(v1, { encoding: 'base64', algorithm: 'sha256', source: 'the webhook-signature v1 entry' });
  if (!Array.isArray(signatures)) return signatures;
  const content = signedContent(message.id, message.timestamp.trim(), request.rawBody);
  return matchThenCheckTime(config, {
    signatures,
    compute: (secret) => hmac('sha256', signingKey(secret), content),
    timestampSeconds: Number(message.timestamp),
    now: context.now,
  });
}

function isEventKind(value: unknown): value is EventKind {
  return (EVENT_KINDS as readonly unknown[]).includes(value);
}

/**
 * A body that is itself a canonical PaymentEvent (as the runtime delivers them) passes through
 * as that event, keeping its provider and key, only where the source opts in with
 * `acceptCanonicalEvents`: that source vouches that only the runtime holds its secret. Without
 * the opt-in, anyone holding this source's secret could pose as Stripe and claim Stripe's keys,
 * so such a body passes through only when it names this provider; otherwise it is kept in `raw`
 * like any other message.
 */
function passThrough(body: JsonObject, config: SourceConfig | undefined): PaymentEvent | undefined {
  const delivered = validateEvent(body);
  if (!delivered.ok) return undefined;
  return config?.acceptCanonicalEvents === true || delivered.event.provider === PROVIDER_ID ? delivered.event : undefined;
}

/**
 * The message id is the event id (the spec makes it the idempotency key), read from the same
 * header set `verify` checked, so an extra unsigned `webhook-id` beside a signed `svix-*` set
 * cannot choose it. Any body is kept in `raw` with its `type`; its kind is that type only when
 * the type is already a canonical kind.
 */
function normalize(request: WebhookRequest, receivedAt: Date, config?: SourceConfig): NormalizeResult {
  const parsed = parseJsonObject(request.rawBody);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const delivered = passThrough(body, config);
  if (delivered !== undefined) return { ok: true, events: [delivered] };
  const message = messageHeaders(request.headers);
  if (message === undefined) return malformedBody('the webhook-id, webhook-timestamp and webhook-signature headers (or svix-*) are not all present');
  const type = pickString(body, 'type') ?? pickString(body, 'eventType') ?? 'webhook';
  const event = canonicalEvent(
    {
      id: message.id,
      provider: PROVIDER_ID,
      type,
      kind: isEventKind(type) ? type : 'other',
      occurredAt: isoTime(body.timestamp ?? Number(message.timestamp), receivedAt),
      verification: 'signature',
      raw: body,
    },
    receivedAt,
  );
  return { ok: true, events: [event] };
}

/**
 * The three Standard Webhooks headers for one message. Exported because the runtime's
 * deliveries and dead-letter replays sign with the event's idempotency key as the id.
 */
export function signMessage(message: { id: string; body: Buffer | string; secret: string; now: Date }): Record<string, string> {
  const timestamp = String(Math.floor(message.now.getTime() / 1000));
  const body = typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : message.body;
  const signature = hmac('sha256', signingKey(message.secret), signedContent(message.id, timestamp, body)).toString('base64');
  return { 'webhook-id': message.id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

/** Signs with the first secret; the message id is derived from the body so a resend keeps it. */
function sign(body: Buffer, config: SourceConfig, now: Date): SignedRequest {
  const secret = signingSecret(config.secrets, PROVIDER_ID);
  const headers = signMessage({ id: stableTestId('msg_', body), body, secret, now });
  return { body, headers: { 'content-type': 'application/json', ...headers } };
}

/** The spec's recommended body shape: `type`, `timestamp` and `data`. */
function example(kind: EventKind, now: Date): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: kind,
      timestamp: now.toISOString(),
      data: { id: 'pay_example_1', amount: 2000, currency: 'USD', status: kind },
    }),
  );
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Signing Secret', 'The endpoint secret your gateway shows (also for Svix)', 'whsec_...'),
  fields: [
    tolerance(300),
    {
      name: 'acceptCanonicalEvents',
      displayName: 'Events From the Payment Webhooks Runtime',
      type: 'boolean',
      default: false,
      description:
        'Turn on only when this secret is the runtime’s delivery secret: the runtime has already verified each gateway’s signature, so its events arrive as the gateway’s own (Stripe’s stay Stripe’s). Leave off for any other sender, or whoever holds this secret could pose as another gateway.',
    },
  ],
};

export const standardWebhooks: Provider = {
  id: PROVIDER_ID,
  displayName: 'Standard Webhooks (Svix)',
  settings: SETTINGS,
  verify,
  normalize,
  sign,
  example,
};
