import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CACHED_CERTIFICATES, crc32, createPayPalProvider, paypal as defaultPayPal } from '../../../core/providers/paypal';
import { BoundedCache } from '../../../core/providers/bounded-cache';
import { getProvider } from '../../../core/providers';
import type { Provider, SourceConfig } from '../../../core/providers/types';
import { expectRefusal, fixtureBytes, fixtureJson, webhook, withOneWhitespaceByte } from './support/gateway-requests';

/** PayPal's real signed delivery from its Java SDK tests (see test/fixtures/paypal/README.md). */
const vector = fixtureJson<{ webhookId: string; headers: Record<string, string>; crc32: number }>('paypal', 'vector.json');
const body = fixtureBytes('paypal', 'webhook-body.json');
const chainPem = fixtureBytes('paypal', 'cert-chain.pem').toString();
const leafPem = chainPem.slice(0, chainPem.indexOf('-----END CERTIFICATE-----') + 25);
const intermediatePem = chainPem.slice(chainPem.indexOf('-----END CERTIFICATE-----') + 25).trim();
const CERT_PATH = new URL(vector.headers['paypal-cert-url']).pathname;
// The vector's certificate expired in 2021: it is checked at the vector's own transmission time.
const SIGNED_AT = new Date(vector.headers['paypal-transmission-time']);
const TODAY = new Date('2026-11-30T12:00:00Z');
const config: SourceConfig = { secrets: [], webhookId: vector.webhookId };

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback HTTP server standing in for PayPal's hosts; it records every request. */
async function startServer(handle: (request: Recorded, response: ServerResponse) => void) {
  const requests: Recorded[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() };
      requests.push(recorded);
      handle(recorded, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The origin of a port that was just listening and is closed now: connections to it are refused. */
async function closedPortOrigin(): Promise<string> {
  const { origin, close } = await startServer(() => undefined);
  await close();
  return origin;
}

function send(response: ServerResponse, status: number, text: string, type = 'application/json') {
  response.writeHead(status, { 'content-type': type });
  response.end(text);
}

describe('paypal offline verification (certificate)', () => {
  let served = chainPem;
  let server: Awaited<ReturnType<typeof startServer>>;
  let provider: Provider;
  const delivery = (rawBody = body, headers: Record<string, string> = {}) =>
    webhook(rawBody, { ...vector.headers, 'paypal-cert-url': `${server.origin}${CERT_PATH}`, ...headers });

  beforeAll(async () => {
    server = await startServer((request, response) => (request.path === CERT_PATH && served !== '' ? send(response, 200, served, 'application/x-pem-file') : send(response, 404, '{}')));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    served = chainPem;
    server.requests.length = 0;
    provider = createPayPalProvider({ certificateOrigins: [server.origin] });
  });

  it('computes CRC-32 as PayPal does (unsigned decimal)', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(body)).toBe(vector.crc32);
  });

  it('accepts PayPal’s real signed delivery, fetching the certificate once and caching it per instance', async () => {
    await expect(provider.verify(delivery(), config, { now: SIGNED_AT })).resolves.toEqual({ ok: true });
    await expect(provider.verify(delivery(), config, { now: SIGNED_AT })).resolves.toEqual({ ok: true });
    expect(server.requests.map((request) => request.path)).toEqual([CERT_PATH]);
    const other = createPayPalProvider({ certificateOrigins: [server.origin] });
    await expect(other.verify(delivery(), config, { now: SIGNED_AT })).resolves.toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
  });

  it('shares a cache handed to several instances', async () => {
    const certificateCache = new Map<string, string>();
    for (const instance of [createPayPalProvider({ certificateCache, certificateOrigins: [server.origin] }), createPayPalProvider({ certificateCache, certificateOrigins: [server.origin] })]) {
      await expect(instance.verify(delivery(), config, { now: SIGNED_AT })).resolves.toEqual({ ok: true });
    }
    expect(server.requests).toHaveLength(1);
    expect([...certificateCache.keys()]).toEqual([`${server.origin}${CERT_PATH}`]);
  });

  it('keys the certificate cache by path: a query in PAYPAL-CERT-URL is not fetched and adds no entry', async () => {
    const certificateCache = new BoundedCache<string>(CACHED_CERTIFICATES);
    const instance = createPayPalProvider({ certificateCache, certificateOrigins: [server.origin] });
    for (let n = 0; n < 40; n++) {
      const certUrl = `${server.origin}${CERT_PATH}?n=${n}#${n}`;
      await expect(instance.verify(delivery(body, { 'paypal-cert-url': certUrl }), config, { now: SIGNED_AT })).resolves.toEqual({ ok: true });
    }
    expect(server.requests.map((request) => request.path)).toEqual([CERT_PATH]);
    expect(certificateCache.size).toBe(1);
  });

  it('keeps at most CACHED_CERTIFICATES certificates per instance, dropping the least recently used', async () => {
    const anyCertificate = await startServer((request, response) =>
      request.path.startsWith('/v1/notifications/certs/') ? send(response, 200, chainPem, 'application/x-pem-file') : send(response, 404, '{}'),
    );
    try {
      const instance = createPayPalProvider({ certificateOrigins: [anyCertificate.origin] });
      const verifyWith = (n: number) =>
        instance.verify(delivery(body, { 'paypal-cert-url': `${anyCertificate.origin}/v1/notifications/certs/CERT-${n}` }), config, { now: SIGNED_AT });
      for (let n = 0; n <= CACHED_CERTIFICATES; n++) await expect(verifyWith(n)).resolves.toEqual({ ok: true });
      expect(anyCertificate.requests).toHaveLength(CACHED_CERTIFICATES + 1);
      // The newest is still cached; the first was dropped to make room and is fetched again.
      await verifyWith(CACHED_CERTIFICATES);
      expect(anyCertificate.requests).toHaveLength(CACHED_CERTIFICATES + 1);
      await verifyWith(0);
      expect(anyCertificate.requests.map((request) => request.path).at(-1)).toBe('/v1/notifications/certs/CERT-0');
      expect(anyCertificate.requests).toHaveLength(CACHED_CERTIFICATES + 2);
    } finally {
      await anyCertificate.close();
    }
  });

  it('refuses the certificate at today’s date, when it has expired', async () => {
    await expectRefusal(provider, delivery(), config, TODAY, 'certificate_invalid');
  });

  it('only fetches from PayPal’s hosts: the default instance refuses loopback without fetching', async () => {
    expect(getProvider('paypal')).toBe(defaultPayPal);
    await expectRefusal(defaultPayPal, delivery(), config, SIGNED_AT, 'certificate_invalid');
    for (const url of ['https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1', 'http://api.paypal.com/v1/notifications/certs/CERT-1', 'https://www.paypal.com/v1/notifications/certs/CERT-1', 'https://user:pw@api.paypal.com/v1/notifications/certs/CERT-1', 'https://api.paypal.com:8443/v1/notifications/certs/CERT-1', 'https://api.paypal.com/v1/oauth2/token', 'not a url']) {
      await expectRefusal(defaultPayPal, delivery(body, { 'paypal-cert-url': url }), config, SIGNED_AT, 'certificate_invalid');
    }
    await expectRefusal(provider, delivery(body, { 'paypal-cert-url': `${server.origin}/elsewhere/cert.pem` }), config, SIGNED_AT, 'certificate_invalid');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a certificate without its chain, one not issued to PayPal, and a missing one; none is cached', async () => {
    served = leafPem;
    await expectRefusal(provider, delivery(), config, SIGNED_AT, 'certificate_invalid');
    served = intermediatePem;
    await expectRefusal(provider, delivery(), config, SIGNED_AT, 'certificate_invalid');
    served = '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----';
    await expectRefusal(provider, delivery(), config, SIGNED_AT, 'certificate_invalid');
    served = '';
    await expectRefusal(provider, delivery(), config, SIGNED_AT, 'certificate_invalid');
    served = chainPem;
    await expect(provider.verify(delivery(), config, { now: SIGNED_AT })).resolves.toEqual({ ok: true });
    expect(server.requests).toHaveLength(5);
  });

  it('answers an unreachable certificate host or one answering 5xx or 429 as confirm_unavailable, and verifies once it is back', async () => {
    let status = 503;
    const flaky = await startServer((_request, response) => (status === 200 ? send(response, 200, chainPem, 'application/x-pem-file') : send(response, status, 'busy', 'text/plain')));
    const closed = await closedPortOrigin();
    try {
      const at = (origin: string) => delivery(body, { 'paypal-cert-url': `${origin}${CERT_PATH}` });
      const instance = createPayPalProvider({ certificateOrigins: [flaky.origin, closed] });
      await expectRefusal(instance, at(closed), config, SIGNED_AT, 'confirm_unavailable');
      await expectRefusal(instance, at(flaky.origin), config, SIGNED_AT, 'confirm_unavailable');
      status = 429;
      await expectRefusal(instance, at(flaky.origin), config, SIGNED_AT, 'confirm_unavailable');
      status = 403;
      await expectRefusal(instance, at(flaky.origin), config, SIGNED_AT, 'certificate_invalid');
      status = 200;
      await expect(instance.verify(at(flaky.origin), config, { now: SIGNED_AT })).resolves.toEqual({ ok: true });
    } finally {
      await flaky.close();
    }
  });

  it('answers a certificate whose answer is cut off mid-body as confirm_unavailable, not an error', async () => {
    const cut = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-pem-file', 'content-length': String(chainPem.length) });
      response.write(chainPem.slice(0, 100));
      setTimeout(() => response.destroy(), 20);
    });
    try {
      const instance = createPayPalProvider({ certificateOrigins: [cut.origin] });
      await expectRefusal(instance, delivery(body, { 'paypal-cert-url': `${cut.origin}${CERT_PATH}` }), config, SIGNED_AT, 'confirm_unavailable');
    } finally {
      await cut.close();
    }
  });

  it('refuses a tampered body, a one-whitespace-byte change and another webhook id', async () => {
    const tampered = Buffer.from(body.toString().replace('"total":"30.11"', '"total":"3.11"'));
    expect(tampered.equals(body)).toBe(false);
    await expectRefusal(provider, delivery(tampered), config, SIGNED_AT, 'signature_mismatch');
    await expectRefusal(provider, delivery(withOneWhitespaceByte(body)), config, SIGNED_AT, 'signature_mismatch');
    await expectRefusal(provider, delivery(), { ...config, webhookId: '1JE4291016473214C' }, SIGNED_AT, 'signature_mismatch');
    await expectRefusal(provider, delivery(body, { 'paypal-transmission-id': 'afa30d40-ca4a-11e9-ab68-7d4e2605c70d' }), config, SIGNED_AT, 'signature_mismatch');
  });

  it('refuses missing headers, an unknown algorithm, malformed and truncated signatures, and a missing webhookId', async () => {
    const signature = vector.headers['paypal-transmission-sig'];
    await expectRefusal(provider, webhook(body, { ...vector.headers, 'paypal-transmission-sig': '' }), config, SIGNED_AT, 'missing_signature');
    await expectRefusal(provider, webhook(body), config, SIGNED_AT, 'missing_signature');
    await expectRefusal(provider, delivery(body, { 'paypal-auth-algo': 'SHA1withRSA' }), config, SIGNED_AT, 'malformed_signature');
    await expectRefusal(provider, delivery(body, { 'paypal-transmission-sig': `${signature.slice(0, 20)}!!` }), config, SIGNED_AT, 'malformed_signature');
    await expectRefusal(provider, delivery(body, { 'paypal-transmission-sig': signature.slice(0, 200) }), config, SIGNED_AT, 'malformed_signature');
    await expectRefusal(provider, delivery(body, { 'paypal-transmission-sig': Buffer.from(signature, 'base64').toString('hex') }), config, SIGNED_AT, 'malformed_signature');
    await expectRefusal(provider, delivery(), { secrets: [] }, SIGNED_AT, 'missing_secret');
  });
});

describe('paypal api mode (verify-webhook-signature) and confirm', () => {
  const CLIENT_ID = 'AYSq3RDGsmBLJE-otTkBtM-jBRd1TCQwFf9RGfwddNXWz0uFU9ztymylOhRS';
  const CLIENT_SECRET = 'EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL';
  const token = fixtureJson<{ access_token: string }>('paypal', 'api/oauth2-token.json').access_token;
  const fetchedEvent = fixtureBytes('paypal', 'PAYMENT.CAPTURE.COMPLETED.json').toString();
  let status = 200;
  let server: Awaited<ReturnType<typeof startServer>>;
  let provider: Provider;
  let apiConfig: SourceConfig;

  beforeAll(async () => {
    server = await startServer((request, response) => {
      if (status !== 200) return send(response, status, '{"name":"INTERNAL_SERVICE_ERROR"}');
      const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
      if (request.path === '/v1/oauth2/token') {
        const ok = request.method === 'POST' && request.headers.authorization === basic && request.body === 'grant_type=client_credentials';
        return ok ? send(response, 200, fixtureBytes('paypal', 'api/oauth2-token.json').toString()) : send(response, 401, '{"error":"invalid_client"}');
      }
      if (request.headers.authorization !== `Bearer ${token}`) return send(response, 401, '{"name":"AUTHENTICATION_FAILURE"}');
      if (request.path === '/v1/notifications/verify-webhook-signature') {
        // Stands in for PayPal's check: the delivery as received, for this webhook.
        const fields = JSON.parse(request.body);
        const genuine = fields.webhook_id === vector.webhookId && fields.transmission_sig === vector.headers['paypal-transmission-sig'] && request.body.includes(`"webhook_event":${body.toString()}}`);
        return send(response, 200, fixtureBytes('paypal', genuine ? 'api/verify-webhook-signature.success.json' : 'api/verify-webhook-signature.failure.json').toString());
      }
      if (request.path === '/v1/notifications/webhooks-events/WH-58D329510W468432D-8HN650336L201105X') return send(response, 200, fetchedEvent);
      return send(response, 404, '{"name":"RESOURCE_NOT_FOUND"}');
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    status = 200;
    server.requests.length = 0;
    provider = createPayPalProvider({ apiBaseUrls: { live: server.origin, sandbox: server.origin } });
    apiConfig = { secrets: [], webhookId: vector.webhookId, mode: 'api', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, environment: 'sandbox' };
  });

  it('asks PayPal with the body bytes as received and reuses the OAuth token', async () => {
    await expect(provider.verify(webhook(body, vector.headers), apiConfig, { now: TODAY })).resolves.toEqual({ ok: true });
    await expect(provider.verify(webhook(body, vector.headers), apiConfig, { now: TODAY })).resolves.toEqual({ ok: true });
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /v1/oauth2/token',
      'POST /v1/notifications/verify-webhook-signature',
      'POST /v1/notifications/verify-webhook-signature',
    ]);
  });

  it('refuses what PayPal answers FAILURE for, a refused credential as confirm_failed, an API outage as confirm_unavailable', async () => {
    await expectRefusal(provider, webhook(withOneWhitespaceByte(body), vector.headers), apiConfig, TODAY, 'signature_mismatch');
    await expectRefusal(provider, webhook(body, vector.headers), { ...apiConfig, webhookId: 'OTHER' }, TODAY, 'signature_mismatch');
    await expectRefusal(provider, webhook(body, vector.headers), { ...apiConfig, clientSecret: 'wrong' }, TODAY, 'confirm_failed');
    status = 500;
    await expectRefusal(createPayPalProvider({ apiBaseUrls: { live: server.origin, sandbox: server.origin } }), webhook(body, vector.headers), apiConfig, TODAY, 'confirm_unavailable');
    const closed = await closedPortOrigin();
    await expectRefusal(createPayPalProvider({ apiBaseUrls: { live: closed, sandbox: closed } }), webhook(body, vector.headers), apiConfig, TODAY, 'confirm_unavailable');
    await expectRefusal(provider, webhook(body, vector.headers), { ...apiConfig, clientId: undefined }, TODAY, 'missing_secret');
    await expectRefusal(provider, webhook('not json', vector.headers), apiConfig, TODAY, 'body_unreadable');
  });

  it('confirms an event by fetching it from PayPal', async () => {
    const normalized = provider.normalize(webhook(fetchedEvent), TODAY);
    if (!normalized.ok) throw new Error(normalized.detail);
    const result = await provider.confirm!(normalized.events[0], apiConfig, { now: TODAY });
    expect(result).toMatchObject({ ok: true, event: { id: 'WH-58D329510W468432D-8HN650336L201105X', kind: 'payment.succeeded', verification: 'confirmed', amount: { minor: 251, currency: 'USD' } } });
    const missing = await provider.confirm!({ ...normalized.events[0], id: 'WH-UNKNOWN' }, apiConfig, { now: TODAY });
    expect(missing).toMatchObject({ ok: false, reason: 'confirm_failed' });
  });
});

describe('paypal normalize', () => {
  const normalized = (name: string) => {
    const result = defaultPayPal.normalize(webhook(fixtureBytes('paypal', name)), TODAY);
    if (!result.ok) throw new Error(result.detail);
    return result.events[0];
  };

  it('reads the real vector (a v1 payment) with its amount, payer and sale', () => {
    expect(normalized('webhook-body.json')).toMatchObject({
      id: 'WH-7MU294299R542214K-4N1831857K851783H', idempotencyKey: 'paypal:WH-7MU294299R542214K-4N1831857K851783H', type: 'PAYMENTS.PAYMENT.CREATED', kind: 'other',
      occurredAt: '2019-08-29T10:49:03.439Z', livemode: false, amount: { minor: 3011, currency: 'USD' }, paymentId: '08U30449S6662931K',
      invoiceId: '48787589673111', reference: 'EBAY_EMS_90048630024435', paymentMethod: 'paypal',
      customer: { id: 'WZH5NSHUBE63W', email: 'sb-ahlmo117121@personal.example.com', name: 'John Doe' },
    });
  });

  it('maps captures with decimal amounts, JPY without decimals, denials and refunds', () => {
    expect(normalized('PAYMENT.CAPTURE.COMPLETED.json')).toMatchObject({ kind: 'payment.succeeded', livemode: true, amount: { minor: 251, currency: 'USD' }, paymentId: '27M47624FP291604U', invoiceId: 'INV-2019-0214-001', reference: 'order-8821' });
    expect(normalized('PAYMENT.CAPTURE.COMPLETED.jpy.json').amount).toEqual({ minor: 1500, currency: 'JPY' });
    expect(normalized('PAYMENT.CAPTURE.DENIED.json')).toMatchObject({ kind: 'payment.failed', amount: { minor: 251, currency: 'AUD' }, failure: { code: 'DECLINED_BY_RISK_FRAUD_FILTERS' } });
    expect(normalized('PAYMENT.CAPTURE.REFUNDED.json')).toMatchObject({ kind: 'payment.refunded', amount: { minor: 251, currency: 'USD' }, paymentId: '0JF852973C016714D' });
  });

  it('maps disputes, subscriptions, checkout orders, invoices and payouts', () => {
    expect(normalized('CUSTOMER.DISPUTE.CREATED.json')).toMatchObject({ kind: 'dispute.opened', amount: { minor: 300, currency: 'USD' }, paymentId: '00D10444LD479031K' });
    expect(normalized('CUSTOMER.DISPUTE.RESOLVED.json')).toMatchObject({ kind: 'dispute.closed' });
    expect(normalized('BILLING.SUBSCRIPTION.ACTIVATED.json')).toMatchObject({ kind: 'subscription.created', subscriptionId: 'I-BW452GLLEP1G', customer: { id: '2J6QB8YJQSJRJ', email: 'customer@example.com', name: 'John Doe' } });
    expect(normalized('BILLING.SUBSCRIPTION.PAYMENT.FAILED.json')).toMatchObject({ kind: 'invoice.payment_failed', amount: { minor: 1000, currency: 'USD' }, failure: { code: 'PAYER_CANNOT_PAY' } });
    expect(normalized('BILLING.SUBSCRIPTION.CANCELLED.json')).toMatchObject({ kind: 'subscription.canceled', subscriptionId: 'I-BW452GLLEP1G' });
    expect(normalized('CHECKOUT.ORDER.COMPLETED.json')).toMatchObject({ kind: 'checkout.completed', amount: { minor: 10000, currency: 'EUR' }, paymentId: '74L756601X447022V', reference: 'order-5521', paymentMethod: 'paypal', customer: { email: 'buyer@example.com' } });
    expect(normalized('INVOICING.INVOICE.PAID.json')).toMatchObject({ kind: 'invoice.paid', amount: { minor: 7421, currency: 'USD' }, invoiceId: 'INV2-Z56S-5LLA-Q52L-CPZ5', customer: { email: 'bill-me@example.com', name: 'Stephanie Meyers' } });
    expect(normalized('PAYMENT.PAYOUTSBATCH.SUCCESS.json')).toMatchObject({ kind: 'payout.paid', amount: { minor: 3100, currency: 'USD' } });
  });

  it('keeps an unmapped type as other with the raw payload', () => {
    expect(normalized('CATALOG.PRODUCT.CREATED.json')).toMatchObject({ kind: 'other', raw: JSON.parse(fixtureBytes('paypal', 'CATALOG.PRODUCT.CREATED.json').toString()) });
  });

  it('answers malformed_body instead of throwing', () => {
    for (const text of ['', '[1]', '{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED"}']) {
      expect(defaultPayPal.normalize(webhook(text), TODAY)).toMatchObject({ ok: false, reason: 'malformed_body' });
    }
  });

  it('offers no sign(): PayPal signs with its own private key', () => {
    expect(defaultPayPal.sign).toBeUndefined();
  });
});
