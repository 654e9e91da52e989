/**
 * What each gateway's credential holds, as data: the provider ids and field names are
 * those of the runtime's `sources[]` (docs/providers.md), so one gateway is configured
 * the same way in n8n and in the runtime. The credential's form and the trigger's
 * SourceConfig are both built from this table.
 */
import type { SourceConfig } from '../core/providers/types';

interface FieldBase {
  /** The SourceConfig field this value becomes. */
  name: string;
  displayName: string;
  description: string;
  required?: boolean;
  /** Shown only while another field of the same gateway has one of these values. */
  showWhen?: { field: string; values: string[] };
}

export type GatewayField = FieldBase &
  (
    | { type: 'string'; default: string; password?: boolean; placeholder?: string }
    | { type: 'number'; default: number }
    | { type: 'boolean'; default: boolean }
    | { type: 'options'; default: string; options: Array<{ name: string; value: string }> }
  );

export interface GatewayCredentialFields {
  /** How the gateway names its signing secret; null when it signs with no shared secret (PayPal). */
  secret: { displayName: string; description: string; placeholder?: string; optional?: boolean } | null;
  fields: GatewayField[];
}

const tolerance = (seconds: number): GatewayField => ({
  name: 'toleranceSeconds',
  displayName: 'Allowed Clock Difference (Seconds)',
  type: 'number',
  default: seconds,
  description:
    'Events whose signed time is further than this from now (in either direction) are refused, so a captured request cannot be replayed later',
});

/** Where the confirm fetch goes; empty means the gateway's own API. */
const apiBaseUrl = (gateway: string): GatewayField => ({
  name: 'apiBaseUrl',
  displayName: 'API Base URL (Advanced)',
  type: 'string',
  default: '',
  description: `Leave empty to reach ${gateway}'s API directly. Set it only when n8n must go through an egress proxy.`,
});

const signingSecret = (displayName: string, description: string, placeholder?: string) => ({
  displayName,
  description,
  placeholder,
});

export const GATEWAY_FIELDS: Readonly<Record<string, GatewayCredentialFields>> = {
  stripe: {
    secret: signingSecret(
      'Signing Secret',
      'In Stripe: Developers → Webhooks → your endpoint → Signing secret',
      'whsec_...',
    ),
    fields: [tolerance(300)],
  },
  'standard-webhooks': {
    secret: signingSecret('Signing Secret', 'The endpoint secret your gateway shows (also for Svix)', 'whsec_...'),
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
  },
  paypal: {
    secret: null,
    fields: [
      {
        name: 'webhookId',
        displayName: 'Webhook ID',
        type: 'string',
        default: '',
        required: true,
        description: 'In PayPal: Apps & Credentials → your app → Webhooks → the ID of this webhook',
      },
      {
        name: 'mode',
        displayName: 'Check Signatures',
        type: 'options',
        default: 'offline',
        options: [
          { name: 'With PayPal’s Certificate (Recommended)', value: 'offline' },
          { name: 'By Asking PayPal’s API', value: 'api' },
        ],
        description: 'How to check that a webhook really comes from PayPal',
      },
      {
        name: 'clientId',
        displayName: 'Client ID',
        type: 'string',
        default: '',
        required: true,
        showWhen: { field: 'mode', values: ['api'] },
        description: 'Your PayPal app’s client ID',
      },
      {
        name: 'clientSecret',
        displayName: 'Client Secret',
        type: 'string',
        password: true,
        default: '',
        required: true,
        showWhen: { field: 'mode', values: ['api'] },
        description: 'Your PayPal app’s secret',
      },
      {
        name: 'environment',
        displayName: 'Environment',
        type: 'options',
        default: 'live',
        options: [
          { name: 'Live', value: 'live' },
          { name: 'Sandbox', value: 'sandbox' },
        ],
        showWhen: { field: 'mode', values: ['api'] },
        description: 'Which PayPal environment the app belongs to',
      },
    ],
  },
  adyen: {
    secret: signingSecret(
      'HMAC Key',
      'In the Adyen Customer Area: Developers → Webhooks → your webhook → HMAC key (64 hexadecimal characters)',
    ),
    fields: [],
  },
  square: {
    secret: signingSecret('Signature Key', 'In the Square Developer Console: Webhooks → your subscription → Signature key'),
    fields: [
      {
        name: 'notificationUrl',
        displayName: 'Notification URL',
        type: 'string',
        default: '',
        required: true,
        placeholder: 'https://n8n.example.com/webhook/square-payments',
        description: 'The URL exactly as registered in Square, character for character: Square signs it together with the body',
      },
    ],
  },
  braintree: {
    secret: signingSecret('Private Key', 'In Braintree: Settings → API → API keys → Private key'),
    fields: [
      {
        name: 'publicKey',
        displayName: 'Public Key',
        type: 'string',
        default: '',
        required: true,
        description: 'The public key shown next to the private key',
      },
    ],
  },
  razorpay: {
    secret: signingSecret('Webhook Secret', 'The secret you entered when creating the webhook in the Razorpay Dashboard'),
    fields: [],
  },
  paddle: {
    secret: signingSecret(
      'Secret Key',
      'In Paddle: Developer tools → Notifications → your destination → Secret key',
      'pdl_ntfset_...',
    ),
    fields: [tolerance(5)],
  },
  checkout: {
    secret: signingSecret('Signature Key', 'In the Checkout.com Dashboard: your webhook → Signature key'),
    fields: [
      {
        name: 'authorization',
        displayName: 'Authorization Header Value',
        type: 'string',
        password: true,
        default: '',
        description: 'Optional: the Authorization header value set on the webhook; requests without it are refused',
      },
    ],
  },
  gocardless: {
    secret: signingSecret('Webhook Endpoint Secret', 'In GoCardless: Developers → Webhook endpoints → your endpoint → Secret'),
    fields: [],
  },
  mollie: {
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
  },
  shopify: {
    secret: signingSecret('Client Secret', 'Your Shopify app’s client secret (Partners Dashboard or the app’s settings)'),
    fields: [],
  },
  lemonsqueezy: {
    secret: signingSecret('Signing Secret', 'The signing secret you entered on the webhook in Lemon Squeezy'),
    fields: [],
  },
  paystack: {
    secret: signingSecret('Secret Key', 'In Paystack: Settings → API Keys & Webhooks → Secret key', 'sk_live_...'),
    fields: [],
  },
  recurly: {
    secret: signingSecret('Webhook Key', 'In Recurly: Integrations → Webhooks → the signature key'),
    fields: [tolerance(300)],
  },
  chargebee: {
    secret: signingSecret(
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
  },
  'generic-hmac': {
    secret: signingSecret('Secret', 'The shared secret the sender signs with'),
    fields: [
      { name: 'header', displayName: 'Signature Header', type: 'string', default: 'X-Signature', required: true, description: 'The request header that carries the signature' },
      { name: 'prefix', displayName: 'Signature Prefix', type: 'string', default: '', placeholder: 'sha256=', description: 'Text before the signature in the header, if any' },
      {
        name: 'algorithm',
        displayName: 'Algorithm',
        type: 'options',
        default: 'sha256',
        options: [
          { name: 'HMAC-SHA1', value: 'sha1' },
          { name: 'HMAC-SHA256', value: 'sha256' },
          { name: 'HMAC-SHA512', value: 'sha512' },
        ],
        description: 'The hash the sender uses',
      },
      {
        name: 'encoding',
        displayName: 'Signature Encoding',
        type: 'options',
        default: 'hex',
        options: [
          { name: 'Hex', value: 'hex' },
          { name: 'Base64', value: 'base64' },
        ],
        description: 'How the signature is written in the header',
      },
      {
        name: 'template',
        displayName: 'Signed Content',
        type: 'string',
        default: '{body}',
        description: 'What is signed: {body} is the raw request body, {timestamp} the timestamp header’s value, e.g. {timestamp}.{body}',
      },
      { name: 'timestampHeader', displayName: 'Timestamp Header', type: 'string', default: '', description: 'Optional: the header carrying the signing time (Unix seconds)' },
      tolerance(300),
      { name: 'idPath', displayName: 'Event ID Field', type: 'string', default: 'id', description: 'Where the event ID is in the JSON body, e.g. id or data.event_id' },
      { name: 'typePath', displayName: 'Event Type Field', type: 'string', default: 'type', description: 'Where the event type is in the JSON body, e.g. type or event' },
    ],
  },
};

/** For a gateway added to the registry before this table: just its signing secret. */
const FALLBACK: GatewayCredentialFields = {
  secret: signingSecret('Signing Secret', 'The secret the gateway signs its webhooks with'),
  fields: [],
};

export function gatewayFields(providerId: string): GatewayCredentialFields {
  return GATEWAY_FIELDS[providerId] ?? FALLBACK;
}

/** The credential's values as the provider's SourceConfig (the same shape as a runtime source). */
export function sourceConfigFromCredential(providerId: string, values: Record<string, unknown>): SourceConfig {
  const secrets = [values.secret, values.previousSecret]
    .filter((value): value is string => typeof value === 'string')
    // A pasted secret often carries a stray space or line break; no gateway's secret has one.
    .map((value) => value.trim())
    .filter((value) => value !== '');
  const config: SourceConfig = { secrets };
  for (const field of gatewayFields(providerId).fields) {
    const value = values[field.name];
    if (value === undefined || value === '') continue;
    config[field.name] = field.type === 'number' ? Number(value) : value;
  }
  return config;
}

/** The names of required values this credential leaves empty, for a clear message. */
export function missingCredentialFields(providerId: string, values: Record<string, unknown>): string[] {
  const { secret, fields } = gatewayFields(providerId);
  const missing: string[] = [];
  const empty = (name: string) => typeof values[name] !== 'number' && String(values[name] ?? '').trim() === '';
  if (secret && !secret.optional && empty('secret')) missing.push(secret.displayName);
  for (const field of fields) {
    const shown = !field.showWhen || field.showWhen.values.includes(String(values[field.showWhen.field] ?? ''));
    if (field.required && shown && empty(field.name)) missing.push(field.displayName);
  }
  return missing;
}
