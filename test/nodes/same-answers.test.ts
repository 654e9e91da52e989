/**
 * Both ways in give the same answer to the same request: the Payment Webhook Trigger (n8n) and
 * the runtime's ingress run one receive pipeline (core/providers/receive.ts). Every provider's
 * signed examples, their tampered and unsigned variants and the gateways' real fixtures are
 * posted to both, each over loopback HTTP, and the status and body must match.
 */
import { join } from 'node:path';
import { EVENT_KINDS } from '../../core/event';
import { allProviders } from '../../core/providers';
import type { Provider, SourceConfig } from '../../core/providers/types';
import { PaymentWebhookTrigger } from '../../nodes/PaymentWebhookTrigger/PaymentWebhookTrigger.node';
import type { Runtime } from '../../runtime/src/runtime';
import { startDestination, startRuntime, tempDir, type Destination } from '../runtime/support/harness';
import { fixtureBytes } from '../unit/providers/support/gateway-requests';
import { startWebhookServer, type WebhookServer } from './support/webhook-server';
import { readdirSync } from 'node:fs';

jest.setTimeout(60_000);

const NOW = new Date();
/** Nothing listens there: a confirming fetch fails at once, the same way for both. */
const CLOSED_API = 'http://127.0.0.1:9';

const SECRETS: Record<string, string> = {
  'standard-webhooks': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  adyen: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
  chargebee: 'hooks:chargebee-password',
};
const FIELDS: Record<string, Record<string, string>> = {
  square: { notificationUrl: 'https://example.com/webhooks/square' },
  braintree: { publicKey: 'integration_public_key' },
  'generic-hmac': { header: 'x-signature' },
  mollie: { apiKey: 'test_mollie_api_key', apiBaseUrl: CLOSED_API },
  chargebee: { site: 'acme-test', apiKey: 'test_chargebee_api_key', apiBaseUrl: CLOSED_API },
  paypal: { webhookId: 'WH-0000000000000000' },
};

const secretOf = (provider: Provider) => (provider.settings.secret ? (SECRETS[provider.id] ?? `${provider.id}-test-secret-0123456789`) : undefined);
const configOf = (provider: Provider): SourceConfig => ({ secrets: secretOf(provider) ? [secretOf(provider)!] : [], ...FIELDS[provider.id] });

interface Case {
  label: string;
  body: Buffer;
  headers: Record<string, string>;
}

function fixtures(id: string): Buffer[] {
  try {
    const folder = join(__dirname, '..', 'fixtures', id);
    return readdirSync(folder)
      .filter((name) => /\.(json|xml|txt)$/.test(name) && name !== 'vector.json')
      .map((name) => fixtureBytes(id, name));
  } catch {
    return [];
  }
}

function casesFor(provider: Provider): Case[] {
  const cases: Case[] = [];
  const config = configOf(provider);
  for (const kind of provider.sign && provider.example ? EVENT_KINDS.slice(0, 3) : []) {
    let signed;
    try {
      signed = provider.sign!(provider.example!(kind, NOW), config, NOW);
    } catch {
      continue;
    }
    cases.push({ label: `signed ${kind}`, body: signed.body, headers: signed.headers });
    const tampered = Buffer.from(signed.body);
    tampered[Math.floor(tampered.length / 2)] ^= 1;
    cases.push({ label: `tampered ${kind}`, body: tampered, headers: signed.headers });
    cases.push({ label: `unsigned ${kind}`, body: signed.body, headers: { 'content-type': signed.headers['content-type'] ?? 'application/json' } });
    const notAnEvent = provider.sign!(Buffer.from('{"hello":"world"}'), config, NOW);
    cases.push({ label: 'signed, not an event', body: notAnEvent.body, headers: notAnEvent.headers });
  }
  for (const [index, body] of fixtures(provider.id).entries()) {
    cases.push({ label: `fixture ${index}, unsigned`, body, headers: { 'content-type': 'application/json' } });
  }
  return cases;
}

const node = new PaymentWebhookTrigger();
const dir = tempDir();
let destination: Destination;
let runtime: Runtime;
let runtimeUrl: string;

beforeAll(async () => {
  destination = await startDestination();
  const sources = allProviders().map((provider) => ({ name: provider.id, provider: provider.id, ...configOf(provider) }));
  ({ runtime, url: runtimeUrl } = await startRuntime({ storage: `sqlite:${join(dir.path, 'same.db')}`, destinationUrl: destination.url, sources }));
});
afterAll(async () => {
  await runtime.close();
  await destination.close();
  dir.remove();
});

async function post(url: string, testCase: Case) {
  const response = await fetch(url, { method: 'POST', body: testCase.body, headers: testCase.headers });
  const text = await response.text();
  return { status: response.status, body: response.status === 200 ? 'accepted' : JSON.parse(text) };
}

describe.each(allProviders().map((provider) => [provider.id, provider] as const))('%s: the trigger and the ingress answer alike', (_id, provider) => {
  let trigger: WebhookServer;

  beforeAll(async () => {
    const { secrets, ...fields } = configOf(provider);
    trigger = await startWebhookServer({
      node,
      nodeName: 'Payment Webhook Trigger',
      parameters: { provider: provider.id, path: 'payments', responseMode: 'onReceived', options: {} },
      credentials: { paymentGatewayApi: { provider: provider.id, ...(secrets[0] ? { secret: secrets[0] } : {}), ...fields } },
    });
  });
  afterAll(() => trigger.close());

  it('for signed, tampered, unsigned and malformed requests and the real fixtures', async () => {
    const cases = casesFor(provider);
    expect(cases.length).toBeGreaterThan(0);
    const statuses = new Set<number>();
    for (const testCase of cases) {
      const viaTrigger = await post(trigger.url, testCase);
      const viaIngress = await post(`${runtimeUrl}/webhooks/${provider.id}`, testCase);
      expect({ case: testCase.label, ...viaIngress }).toEqual({ case: testCase.label, ...viaTrigger });
      statuses.add(viaIngress.status);
    }
    // Each provider is seen refusing (or, for the gateways that sign nothing, failing to confirm).
    expect([...statuses].some((status) => status === 401 || status === 503)).toBe(true);
  });
});
