import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Stripe from 'stripe';
import { parse as parseGoCardless } from 'gocardless-nodejs/webhooks';
import type { ICredentialDataDecryptedObject, IDataObject, INodeParameters } from 'n8n-workflow';

import { PaymentWebhookTrigger } from '../../nodes/PaymentWebhookTrigger/PaymentWebhookTrigger.node';
import { startWebhookServer, type WebhookServer } from './support/webhook-server';

/** braintree ships no type declarations: the members these tests use. */
interface BraintreeSdk {
  BraintreeGateway: new (config: { environment: unknown; merchantId: string; publicKey: string; privateKey: string }) => {
    webhookTesting: { sampleNotification(kind: string, id: string): { bt_signature: string; bt_payload: string } };
  };
  Environment: { Sandbox: unknown };
  WebhookNotification: { Kind: Record<'TransactionSettled' | 'DisputeOpened', string> };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const braintreeSdk = require('braintree') as BraintreeSdk;

const FIXTURES = join(__dirname, '..', 'fixtures');
const fixture = (provider: string, name: string) => readFileSync(join(FIXTURES, provider, name));

const node = new PaymentWebhookTrigger();
const stripe = new Stripe('sk_test_not_used_for_signing');
const STRIPE_SECRET = 'whsec_test_5f2bC1d8a0e94b7c9a1d2e3f4a5b6c7d';
const GOCARDLESS_SECRET = 'gc-endpoint-secret-3b9d7e1f2a4c6e8d';

let servers: WebhookServer[] = [];

async function trigger(
  provider: string,
  credential: ICredentialDataDecryptedObject,
  options: INodeParameters = {},
): Promise<WebhookServer> {
  const server = await startWebhookServer({
    node,
    nodeName: 'Payment Webhook Trigger',
    parameters: { provider, path: 'payments', responseMode: 'onReceived', options },
    credentials: { paymentGatewayApi: { provider, ...credential } },
  });
  servers.push(server);
  return server;
}

async function post(url: string, body: Buffer | string, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, text: await response.text() };
}

/** The workflow items of the single request the server has seen (an empty list when none were started). */
function startedItems(server: WebhookServer): IDataObject[] {
  expect(server.results).toHaveLength(1);
  const [result] = server.results;
  return (result.workflowData?.[0] ?? []).map((item) => item.json);
}

function stripeRequest(body: Buffer, secret = STRIPE_SECRET) {
  const signature = stripe.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret });
  return { 'content-type': 'application/json', 'stripe-signature': signature };
}

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

describe('Payment Webhook Trigger: Stripe, signed by the Stripe SDK', () => {
  const body = fixture('stripe', 'payment_intent.succeeded.json');

  it('answers 200 and starts the workflow with one canonical event', async () => {
    const server = await trigger('stripe', { secret: STRIPE_SECRET });
    const response = await post(server.url, body, stripeRequest(body));
    expect(response).toEqual({ status: 200, text: '' });
    const items = startedItems(server);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: 'evt_1Qpayment_in0001B7WZ01zgkW',
      provider: 'stripe',
      type: 'payment_intent.succeeded',
      kind: 'payment.succeeded',
      idempotencyKey: 'stripe:evt_1Qpayment_in0001B7WZ01zgkW',
      amount: { minor: 2000, currency: 'USD' },
      paymentId: 'pi_1PgafyB7WZ01zgkWSjxsAJo3',
      receivedAt: expect.any(String),
    });
    expect(items[0].raw).toEqual(JSON.parse(body.toString('utf8')));
  });

  it('refuses a tampered body with 401, starts nothing, and logs the reason without the secret', async () => {
    const server = await trigger('stripe', { secret: STRIPE_SECRET });
    const headers = stripeRequest(body);
    const tampered = Buffer.from(body.toString('utf8').replace('"amount": 2000', '"amount": 1'), 'utf8');
    expect(tampered.equals(body)).toBe(false);

    const response = await post(server.url, tampered, headers);
    expect(response.status).toBe(401);
    expect(server.results).toEqual([{ noWebhookResponse: true }]);
    const warnings = server.logs.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('signature_mismatch');
    const logged = JSON.stringify(server.logs);
    expect(logged).not.toContain(STRIPE_SECRET);
    expect(logged).not.toContain(headers['stripe-signature'].split('v1=')[1]);
  });

  it('refuses a request signed with another secret or carrying no signature', async () => {
    const server = await trigger('stripe', { secret: STRIPE_SECRET });
    expect((await post(server.url, body, stripeRequest(body, 'whsec_someone_else'))).status).toBe(401);
    expect((await post(server.url, body, { 'content-type': 'application/json' })).status).toBe(401);
    expect(server.results.every((result) => result.workflowData === undefined)).toBe(true);
  });

  it('accepts events signed with the previous secret while the secret is rotated', async () => {
    const server = await trigger('stripe', { secret: 'whsec_the_new_one_7c1e', previousSecret: ` ${STRIPE_SECRET}\n` });
    expect((await post(server.url, body, stripeRequest(body))).status).toBe(200);
    expect(startedItems(server)).toHaveLength(1);
  });

  it('answers 400 to a correctly signed body that is not a Stripe event', async () => {
    const server = await trigger('stripe', { secret: STRIPE_SECRET });
    const garbage = Buffer.from('not json at all', 'utf8');
    expect((await post(server.url, garbage, stripeRequest(garbage))).status).toBe(400);
    expect(server.results).toEqual([{ noWebhookResponse: true }]);
  });

  it('answers 400 with the reason, logs it and starts nothing for a signed event whose id cannot travel in a header', async () => {
    const server = await trigger('stripe', { secret: STRIPE_SECRET });
    const event = JSON.parse(body.toString('utf8')) as { id: string };
    const crlf = Buffer.from(JSON.stringify({ ...event, id: `${event.id}\r\nx-injected: 1` }), 'utf8');
    const response = await post(server.url, crlf, stripeRequest(crlf));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toMatchObject({ error: 'malformed body', detail: expect.stringContaining('cannot be delivered') });
    expect(server.results).toEqual([{ noWebhookResponse: true }]);
    expect(server.logs.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([expect.stringContaining('printable ASCII')]);
  });

  it('answers 200 but starts nothing for event kinds it was told to ignore', async () => {
    const server = await trigger('stripe', { secret: STRIPE_SECRET }, { eventKinds: ['invoice.paid', 'dispute.opened'] });
    const response = await post(server.url, body, stripeRequest(body));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ received: true, ignored: 1 });
    expect(server.results).toEqual([{ noWebhookResponse: true }]);
  });

  it('puts the request\'s W3C trace context on each item, and none for a malformed traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const server = await trigger('stripe', { secret: STRIPE_SECRET });
    await post(server.url, body, { ...stripeRequest(body), traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(startedItems(server)[0].trace).toEqual({ traceparent: `00-${traceId}-00f067aa0ba902b7-01`, traceId, parentSpanId: '00f067aa0ba902b7' });
    const other = await trigger('stripe', { secret: STRIPE_SECRET });
    await post(other.url, body, { ...stripeRequest(body), traceparent: 'not-a-trace' });
    expect(startedItems(other)[0]).not.toHaveProperty('trace');
  });

  it('leaves the original payload out when asked', async () => {
    const server = await trigger('stripe', { secret: STRIPE_SECRET }, { includeRaw: false, eventKinds: ['payment.succeeded'] });
    await post(server.url, body, stripeRequest(body));
    const [item] = startedItems(server);
    expect(item.kind).toBe('payment.succeeded');
    expect(item).not.toHaveProperty('raw');
  });

  it('puts the idempotency key in the trigger\'s Event Key Namespace when one is set, and refuses a namespace that cannot travel in a header', async () => {
    const plain = await trigger('stripe', { secret: STRIPE_SECRET });
    await post(plain.url, body, stripeRequest(body));
    const id = JSON.parse(body.toString()).id;
    expect(startedItems(plain)[0]).toMatchObject({ idempotencyKey: `stripe:${id}` });
    expect(startedItems(plain)[0]).not.toHaveProperty('source');

    const namespaced = await trigger('stripe', { secret: STRIPE_SECRET }, { keyNamespace: 'stripe-eu' });
    await post(namespaced.url, body, stripeRequest(body));
    expect(startedItems(namespaced)[0]).toMatchObject({ provider: 'stripe', source: 'stripe-eu', idempotencyKey: `stripe-eu:${id}` });

    const broken = await trigger('stripe', { secret: STRIPE_SECRET }, { keyNamespace: 'eu\r\nx-injected: 1' });
    expect((await post(broken.url, body, stripeRequest(body))).status).toBe(500);
    expect(broken.logs[0]).toMatchObject({ level: 'error', message: expect.stringContaining('Event Key Namespace') });
  });

  it('answers 500 and starts nothing when the credential is for another gateway', async () => {
    const server = await startWebhookServer({
      node,
      nodeName: 'Stripe payments',
      parameters: { provider: 'stripe', path: 'payments', responseMode: 'onReceived', options: {} },
      credentials: { paymentGatewayApi: { provider: 'gocardless', secret: STRIPE_SECRET } },
    });
    servers.push(server);
    expect((await post(server.url, body, stripeRequest(body))).status).toBe(500);
    expect(server.results).toEqual([{ noWebhookResponse: true }]);
    expect(server.logs[0]).toMatchObject({ level: 'error', message: expect.stringContaining('credential is for "gocardless"') });
  });
});

describe('Payment Webhook Trigger: GoCardless batches', () => {
  // Five events in one request, as GoCardless batches them.
  const events = (JSON.parse(fixture('gocardless', 'batch.json').toString('utf8')) as { events: IDataObject[] }).events;
  const batch = Buffer.from(
    JSON.stringify({ events: Array.from({ length: 5 }, (_, i) => ({ ...events[i % events.length], id: `EV00TRIGGER${i}` })) }),
    'utf8',
  );
  // GoCardless's documented recipe (HMAC-SHA256 of the raw body, hex); the SDK's own parse checks it below.
  const signature = createHmac('sha256', GOCARDLESS_SECRET).update(batch).digest('hex');

  it('starts the workflow with one item per event of the batch', async () => {
    expect(parseGoCardless(batch.toString('utf8'), GOCARDLESS_SECRET, signature)).toHaveLength(5);
    const server = await trigger('gocardless', { secret: GOCARDLESS_SECRET });
    const response = await post(server.url, batch, { 'content-type': 'application/json', 'webhook-signature': signature });
    expect(response.status).toBe(200);
    const items = startedItems(server);
    expect(items.map((item) => item.id)).toEqual([0, 1, 2, 3, 4].map((i) => `EV00TRIGGER${i}`));
    expect(items.map((item) => item.idempotencyKey)).toEqual([0, 1, 2, 3, 4].map((i) => `gocardless:EV00TRIGGER${i}`));
    expect(items.every((item) => item.provider === 'gocardless')).toBe(true);
  });

  it('refuses the whole batch when one byte changed', async () => {
    const server = await trigger('gocardless', { secret: GOCARDLESS_SECRET });
    const tampered = Buffer.from(batch.toString('utf8').replace('EV00TRIGGER4', 'EV00TRIGGER5'), 'utf8');
    expect(() => parseGoCardless(tampered.toString('utf8'), GOCARDLESS_SECRET, signature)).toThrow();
    const response = await post(server.url, tampered, { 'content-type': 'application/json', 'webhook-signature': signature });
    expect(response.status).toBe(401);
    expect(server.results).toEqual([{ noWebhookResponse: true }]);
  });
});

describe('Payment Webhook Trigger: Braintree form bodies, made by the Braintree SDK', () => {
  const keys = { publicKey: 'pub_4f8e2a', privateKey: 'priv_9c1d7b3e5a' };
  const gateway = new braintreeSdk.BraintreeGateway({ environment: braintreeSdk.Environment.Sandbox, merchantId: 'merchant_1', ...keys });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const notification = (kind: string, id: string) =>
    new URLSearchParams(gateway.webhookTesting.sampleNotification(kind, id)).toString();

  it('reads the form body (bt_signature, bt_payload) and starts the workflow with the canonical event', async () => {
    const server = await trigger('braintree', { secret: keys.privateKey, publicKey: keys.publicKey });
    const body = notification(braintreeSdk.WebhookNotification.Kind.TransactionSettled, 'txn_4242');
    expect((await post(server.url, body, form)).status).toBe(200);
    const [item] = startedItems(server);
    expect(item).toMatchObject({
      provider: 'braintree',
      type: 'transaction_settled',
      kind: 'payment.succeeded',
      paymentId: 'txn_4242',
      amount: { minor: 10000, currency: 'USD' },
      idempotencyKey: expect.stringMatching(/^braintree:transaction_settled:.+:txn_4242$/),
    });
  });

  it('refuses a payload swapped under another notification\'s signature, and one signed with another private key', async () => {
    const server = await trigger('braintree', { secret: keys.privateKey, publicKey: keys.publicKey });
    const settled = new URLSearchParams(notification(braintreeSdk.WebhookNotification.Kind.TransactionSettled, 'txn_1'));
    const disputed = new URLSearchParams(notification(braintreeSdk.WebhookNotification.Kind.DisputeOpened, 'dp_1'));
    settled.set('bt_payload', disputed.get('bt_payload') ?? '');
    expect((await post(server.url, settled.toString(), form)).status).toBe(401);

    const stranger = new braintreeSdk.BraintreeGateway({ environment: braintreeSdk.Environment.Sandbox, merchantId: 'merchant_1', publicKey: keys.publicKey, privateKey: 'priv_someone_else' });
    const forged = new URLSearchParams(stranger.webhookTesting.sampleNotification(braintreeSdk.WebhookNotification.Kind.TransactionSettled, 'txn_2'));
    expect((await post(server.url, forged.toString(), form)).status).toBe(401);
    expect(server.results).toEqual([{ noWebhookResponse: true }, { noWebhookResponse: true }]);
    expect(JSON.stringify(server.logs)).not.toContain(keys.privateKey);
  });
});

describe('Payment Webhook Trigger: unsigned gateways are confirmed through their API first', () => {
  let mollieApi: Server;
  let apiBaseUrl: string;
  const paid = fixture('mollie', 'payment-paid.json');

  beforeAll(async () => {
    // Mollie's API on loopback, answering with a recorded GET /v2/payments/{id} response.
    mollieApi = createServer((request, response) => {
      if (request.url === '/v2/payments/tr_outage00001') return void response.writeHead(503, { 'content-type': 'application/json' }).end('{"status":503}');
      const known = request.url === '/v2/payments/tr_fNAwjMs3WT' && request.headers.authorization === 'Bearer test_mollie_api_key';
      response.writeHead(known ? 200 : 404, { 'content-type': 'application/json' }).end(known ? paid : '{"status":404}');
    });
    await new Promise<void>((resolve) => mollieApi.listen(0, '127.0.0.1', resolve));
    apiBaseUrl = `http://127.0.0.1:${(mollieApi.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => mollieApi.close(() => resolve())));

  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('fetches a classic Mollie payment (form body id=tr_...) and starts the workflow with the confirmed event', async () => {
    const server = await trigger('mollie', { apiKey: 'test_mollie_api_key', apiBaseUrl });
    expect((await post(server.url, 'id=tr_fNAwjMs3WT', form)).status).toBe(200);
    const [item] = startedItems(server);
    expect(item).toMatchObject({ provider: 'mollie', paymentId: 'tr_fNAwjMs3WT', kind: 'payment.succeeded', verification: 'confirmed' });
    expect(item.amount).toEqual({ minor: 18361, currency: 'EUR' });
  });

  it('refuses with 401 and starts nothing when the gateway does not know the payment', async () => {
    const server = await trigger('mollie', { apiKey: 'test_mollie_api_key', apiBaseUrl });
    expect((await post(server.url, 'id=tr_forged00001', form)).status).toBe(401);
    expect(server.results).toEqual([{ noWebhookResponse: true }]);
    expect(server.logs[0].message).toContain('confirm_failed');
    expect(JSON.stringify(server.logs)).not.toContain('test_mollie_api_key');
  });

  it('answers 503 and starts nothing while the gateway API is down, so Mollie sends the event again', async () => {
    const server = await trigger('mollie', { apiKey: 'test_mollie_api_key', apiBaseUrl });
    expect((await post(server.url, 'id=tr_outage00001', form)).status).toBe(503);
    expect(server.results).toEqual([{ noWebhookResponse: true }]);
    expect(server.logs[0].message).toContain('confirm_unavailable');
  });
});

describe('Payment Webhook Trigger description', () => {
  it('listens on a predictable /webhook/<path> URL and answers according to the chosen mode', () => {
    expect(node.description.webhooks).toEqual([
      expect.objectContaining({
        httpMethod: 'POST',
        path: '={{ $parameter.path }}',
        isFullPath: true,
        responseMode: '={{ $parameter.responseMode }}',
        responseData: '={{ $executionId ? { executionId: $executionId } : "noData" }}',
      }),
    ]);
  });

  it('offers every registered gateway', () => {
    const provider = node.description.properties.find((property) => property.name === 'provider');
    const values = (provider?.options ?? []).map((option) => (option as { value: string }).value);
    expect(values).toEqual(expect.arrayContaining(['stripe', 'gocardless', 'mollie']));
  });

  it('tests a credential for completeness, naming what is missing', async () => {
    const test = node.methods.credentialTest.paymentGatewayApiTest;
    const call = (data: IDataObject) => test.call({} as never, { id: '1', name: 'gateway', type: 'paymentGatewayApi', data: data as ICredentialDataDecryptedObject });
    expect(await call({ provider: 'stripe', secret: '' })).toEqual({ status: 'Error', message: 'Fill in: Signing Secret' });
    expect(await call({ provider: 'mollie', secret: '', apiKey: '' })).toEqual({ status: 'Error', message: 'Fill in: API Key' });
    expect(await call({ provider: 'stripe', secret: STRIPE_SECRET })).toMatchObject({ status: 'OK' });
    expect(await call({ provider: 'nope' })).toMatchObject({ status: 'Error' });
  });
});

describe('Payment Webhook Trigger: Generic HMAC', () => {
  it('reads the event id and type from the fields the credential names', async () => {
    const secret = 'generic-shared-secret-7c1e';
    const body = Buffer.from(JSON.stringify({ data: { event_id: 'evt_9001', event: 'charge.succeeded' } }));
    // The documented recipe: HMAC-SHA256 of the raw body, hex, in the configured header.
    const signature = createHmac('sha256', secret).update(body).digest('hex');
    const server = await trigger('generic-hmac', {
      secret,
      header: 'X-Signature',
      prefix: '',
      algorithm: 'sha256',
      encoding: 'hex',
      template: '{body}',
      idPath: 'data.event_id',
      typePath: 'data.event',
    });
    const response = await post(server.url, body, { 'content-type': 'application/json', 'x-signature': signature });
    expect(response.status).toBe(200);
    const items = startedItems(server);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: 'evt_9001', type: 'charge.succeeded', idempotencyKey: 'generic-hmac:evt_9001' });
  });
});
