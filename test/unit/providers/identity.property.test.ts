/**
 * Only signed bytes decide what an event is. For every provider, a genuine signed request is
 * changed in one unsigned part (a header's value changed, a header added or removed, any
 * header other than the signature's: changing the signature's own is refused anyway), and the
 * result must be either refused (verify or normalize says no) or the same events: the same
 * idempotency keys and the same kinds. Otherwise a captured request could be resent as a new
 * event, or as another kind of event, for ever.
 *
 * The URL's query is the other unsigned part of a request: providers never see it (a
 * WebhookRequest is the body and the headers), and test/runtime/ingress-identity.test.ts shows
 * the runtime answering a resend with a changed query as a duplicate.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { EVENT_KINDS } from '../../../core/event';
import { allProviders } from '../../../core/providers';
import { createPayPalProvider } from '../../../core/providers/paypal';
import type { HeaderMap, Provider, SourceConfig, WebhookRequest } from '../../../core/providers/types';
import { fixtureBytes, fixtureJson } from './support/gateway-requests';

const NOW = new Date('2026-11-30T12:00:00Z');
const RUNS_PER_PROVIDER = 400;

/** One config every provider can read, as in property.test.ts. */
const CONFIG: SourceConfig = {
  secrets: ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
  toleranceSeconds: 300,
  header: 'x-signature',
  notificationUrl: 'https://example.com/webhooks/square',
  publicKey: 'integration_public_key',
  webhookId: 'WH-0000000000000000',
  apiKey: 'test_api_key',
  site: 'acme-test',
};

/** Every gateway's header names, and the ones an attacker would try: ids, topics, times. */
const HEADER_NAMES = [
  'stripe-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-id', 'svix-timestamp', 'svix-signature',
  'paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo',
  'x-square-hmacsha256-signature', 'x-razorpay-signature', 'x-razorpay-event-id', 'paddle-signature', 'cko-signature',
  'authorization', 'x-mollie-signature', 'x-shopify-hmac-sha256', 'shopify-hmac-sha256', 'x-shopify-topic', 'shopify-topic',
  'x-shopify-webhook-id', 'shopify-webhook-id', 'x-shopify-event-id', 'shopify-event-id', 'x-shopify-triggered-at',
  'x-signature', 'x-paystack-signature', 'recurly-signature', 'webhook-signature', 'x-webhook-id', 'x-webhook-timestamp',
  'x-event-id', 'x-event-type', 'content-type', 'x-request-id', 'user-agent',
];

/** What an attacker puts in an unsigned header: a new id, another topic, or nothing. */
const FORGED_VALUES = ['forged-1', 'orders/paid', 'refunds/create', undefined];

const unsignedValue = fc.oneof(
  fc.constantFrom('forged-1', 'forged-2', 'attacker-1', 'orders/paid', 'orders/create', 'refunds/create', 'disputes/create',
    'payment.captured', 'payment.succeeded', '1764504000', '2026-11-30T12:00:00Z', 'application/json', 'text/plain'),
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constant(undefined),
);

interface Genuine {
  label: string;
  provider: Provider;
  config: SourceConfig;
  request: WebhookRequest;
  now: Date;
}

function lowerCased(headers: Record<string, string>): HeaderMap {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** The provider's own signed examples of every kind it has, signed with the given config. */
function signedExamples(provider: Provider, config: SourceConfig, label = provider.id): Genuine[] {
  if (provider.sign === undefined || provider.example === undefined) return [];
  const out: Genuine[] = [];
  for (const kind of EVENT_KINDS) {
    let signed;
    try {
      signed = provider.sign(provider.example(kind, NOW), config, NOW);
    } catch {
      continue; // no example of that kind
    }
    out.push({ label: `${label} ${kind}`, provider, config, request: { rawBody: signed.body, headers: lowerCased(signed.headers) }, now: NOW });
  }
  return out;
}

/** A Standard Webhooks request re-sent with Svix's header names, which both verify and normalize read. */
function asSvix(genuine: Genuine): Genuine {
  const headers = Object.fromEntries(Object.entries(genuine.request.headers).map(([name, value]) => [name.replace(/^webhook-/, 'svix-'), value]));
  return { ...genuine, label: `${genuine.label} (svix-*)`, request: { ...genuine.request, headers } };
}

/**
 * A generic-hmac source whose id travels in a header the template does not sign: signed here
 * by hand, as such a sender would. The source must refuse this configuration outright.
 */
function unsignedIdHeaderSource(provider: Provider): Genuine {
  const config = { secrets: CONFIG.secrets, header: 'x-signature', idHeader: 'x-event-id' };
  const body = Buffer.from(JSON.stringify({ type: 'payment.succeeded', data: { amount: 1000, currency: 'EUR' } }));
  const signature = createHmac('sha256', CONFIG.secrets[0]).update(body).digest('hex');
  return {
    label: 'generic-hmac with an unsigned idHeader',
    provider,
    config,
    request: { rawBody: body, headers: { 'x-signature': signature, 'x-event-id': 'evt_1', 'content-type': 'application/json' } },
    now: NOW,
  };
}

const CHARGEBEE = { ...CONFIG, secrets: ['webhook-user:9f86d081884c7d659a2f'] };
const SIGNED_ID_GENERIC_HMAC = {
  ...CONFIG,
  header: 'x-signature',
  template: '{id}.{timestamp}.{body}',
  idHeader: 'x-webhook-id',
  timestampHeader: 'x-webhook-timestamp',
};

/** PayPal signs with its own private key: its real signed delivery, its certificate served on loopback. */
let paypalCertificateServer: Server;
function paypalDelivery(origin: string): Genuine {
  const vector = fixtureJson<{ webhookId: string; headers: Record<string, string> }>('paypal', 'vector.json');
  const certPath = new URL(vector.headers['paypal-cert-url']).pathname;
  return {
    label: 'paypal real delivery',
    provider: createPayPalProvider({ certificateOrigins: [origin] }),
    config: { secrets: [], webhookId: vector.webhookId },
    request: { rawBody: fixtureBytes('paypal', 'webhook-body.json'), headers: lowerCased({ ...vector.headers, 'paypal-cert-url': `${origin}${certPath}` }) },
    // The vector's certificate is checked at the vector's own transmission time.
    now: new Date(vector.headers['paypal-transmission-time']),
  };
}

function genuineRequests(provider: Provider, paypalOrigin: string): Genuine[] {
  switch (provider.id) {
    case 'paypal':
      return [paypalDelivery(paypalOrigin)];
    case 'chargebee':
      return signedExamples(provider, CHARGEBEE);
    case 'standard-webhooks': {
      const plain = signedExamples(provider, CONFIG);
      return [...plain, ...plain.map(asSvix)];
    }
    case 'generic-hmac':
      return [
        ...signedExamples(provider, CONFIG),
        ...signedExamples(provider, SIGNED_ID_GENERIC_HMAC, 'generic-hmac with a signed id header'),
        unsignedIdHeaderSource(provider),
      ];
    default:
      return signedExamples(provider, CONFIG);
  }
}

/** The request with one header set to a value, or removed; names compare case-insensitively. */
function withHeader(request: WebhookRequest, name: string, value: string | undefined): WebhookRequest {
  const headers: HeaderMap = {};
  for (const [key, existing] of Object.entries(request.headers)) if (key.toLowerCase() !== name) headers[key] = existing;
  if (value !== undefined) headers[name] = value;
  return { ...request, headers };
}

/** What decides an event: its idempotency key and its kind. */
async function identity(genuine: Genuine, request: WebhookRequest): Promise<Array<[string, string]> | 'refused'> {
  const verified = await genuine.provider.verify(request, genuine.config, { now: genuine.now });
  if (!verified.ok) return 'refused';
  const normalized = genuine.provider.normalize(request, genuine.now, genuine.config);
  if (!normalized.ok) return 'refused';
  return normalized.events.map((event) => [event.idempotencyKey, event.kind]);
}

beforeAll(async () => {
  const chain = fixtureBytes('paypal', 'cert-chain.pem');
  paypalCertificateServer = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/x-pem-file' });
    response.end(chain);
  });
  await new Promise<void>((resolve) => paypalCertificateServer.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => paypalCertificateServer.close(() => resolve())));

const origin = () => `http://127.0.0.1:${(paypalCertificateServer.address() as AddressInfo).port}`;

describe.each(allProviders().map((provider) => [provider.id, provider] as const))('%s: unsigned parts decide nothing', (_id, provider) => {
  it('has genuine signed requests to start from', async () => {
    const genuines = genuineRequests(provider, origin());
    expect(genuines.length).toBeGreaterThan(0);
    for (const genuine of genuines) {
      if (genuine.label === 'generic-hmac with an unsigned idHeader') continue; // refused by design, checked below
      const result = await identity(genuine, genuine.request);
      if (result === 'refused') throw new Error(`${genuine.label}: the genuine request is refused, so the property would prove nothing`);
    }
  });

  it('every known header name set to a forged value, or removed, is refused or gives the same keys and kinds', async () => {
    const genuines = genuineRequests(provider, origin());
    for (const genuine of genuines) {
      const baseline = await identity(genuine, genuine.request);
      const names = new Set([...Object.keys(genuine.request.headers).map((name) => name.toLowerCase()), ...HEADER_NAMES]);
      for (const name of names) {
        for (const value of FORGED_VALUES) {
          const changed = await identity(genuine, withHeader(genuine.request, name, value));
          if (changed === 'refused') continue;
          expect({ label: genuine.label, name, value, identity: changed }).toEqual({ label: genuine.label, name, value, identity: baseline });
        }
      }
    }
  });

  it('a random header changed, added or removed is refused or gives the same keys and kinds', async () => {
    const genuines = genuineRequests(provider, origin());
    const baselines = await Promise.all(genuines.map((genuine) => identity(genuine, genuine.request)));
    const changes = fc.record({
      index: fc.nat({ max: genuines.length - 1 }),
      name: fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.stringMatching(/^[a-z][a-z-]{0,20}$/)),
      pickPresent: fc.nat(),
      usePresent: fc.boolean(),
      value: unsignedValue,
    });
    await fc.assert(
      fc.asyncProperty(changes, async ({ index, name, pickPresent, usePresent, value }) => {
        const genuine = genuines[index];
        const present = Object.keys(genuine.request.headers);
        const header = usePresent && present.length > 0 ? present[pickPresent % present.length].toLowerCase() : name;
        const changed = await identity(genuine, withHeader(genuine.request, header, value));
        if (changed === 'refused') return;
        expect({ label: genuine.label, header, value, identity: changed }).toEqual({ label: genuine.label, header, value, identity: baselines[index] });
      }),
      { numRuns: RUNS_PER_PROVIDER, seed: 20261206 },
    );
  });
});

describe('generic-hmac refuses a source whose id header is not signed', () => {
  it('refuses every request, however genuine, naming the setting', async () => {
    const genuine = unsignedIdHeaderSource(allProviders().find((provider) => provider.id === 'generic-hmac')!);
    const verified = await genuine.provider.verify(genuine.request, genuine.config, { now: NOW });
    expect(verified).toMatchObject({ ok: false, reason: 'missing_secret', detail: expect.stringContaining('idHeader') });
  });
});
