import { basicAuthValidator } from 'chargebee';
import { chargebee as provider } from '../../../core/providers/chargebee';
import { getProvider } from '../../../core/providers';
import type { PaymentEvent } from '../../../core/event';
import { expectRefusal, fixtureBytes, webhook } from './support/gateway-requests';
import { startLoopbackApi, type LoopbackApi } from './support/loopback-api';
import { startRedirectServer } from '../../support/redirect-server';

const PAIR = 'cb-hooks:Xq7-2mPz9vLr';
const OLD_PAIR = 'cb-hooks:old-4Hk8sN1w';
const API_KEY = 'test_cdKjVq9cuAZcd2xNtZ8uWcd3bHfY3Clem';
const NOW = new Date('2026-11-30T12:00:00Z');
const config = { secrets: [PAIR] };
const body = fixtureBytes('chargebee', 'payment_succeeded.json');

const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

/** The official package's validator, configured with the same pair; resolves to its verdict. */
async function sdkAccepts(authorization: string | undefined, pair = PAIR): Promise<boolean> {
  const [user, password] = [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)];
  const validate = basicAuthValidator((u, p) => u === user && p === password);
  try {
    await validate(authorization === undefined ? {} : { authorization });
    return true;
  } catch {
    return false;
  }
}

describe('chargebee verify agrees with the chargebee package basicAuthValidator', () => {
  it('is registered', () => {
    expect(getProvider('chargebee')).toBe(provider);
  });

  const cases: Array<[string, string | undefined]> = [
    ['genuine', basic(PAIR)],
    ['wrong password', basic('cb-hooks:Xq7-2mPz9vLs')],
    ['old pair', basic(OLD_PAIR)],
    ['missing', undefined],
    ['not basic', 'Bearer abc'],
    ['no colon', basic('cb-hooks')],
  ];

  it.each(cases)('%s: same verdict as the SDK', async (_name, authorization) => {
    const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
    const ours = await provider.verify(webhook(body, headers), config, { now: NOW });
    expect(ours.ok).toBe(await sdkAccepts(authorization));
  });

  it('refuses with the right reasons and never echoes the credentials', async () => {
    for (const [authorization, reason] of [
      [undefined, 'missing_signature'],
      ['Bearer abc', 'malformed_signature'],
      [basic('cb-hooks'), 'malformed_signature'],
      [basic('cb-hooks:Xq7-2mPz9vLs'), 'signature_mismatch'],
    ] as const) {
      const request = webhook(body, authorization === undefined ? {} : { Authorization: authorization });
      const result = await provider.verify(request, config, { now: NOW });
      expect(result).toMatchObject({ ok: false, reason });
      expect(result.ok ? '' : result.detail).not.toMatch(/Xq7|cb-hooks/);
    }
    await expectRefusal(provider, webhook(body, { Authorization: basic(PAIR) }), { secrets: [] }, NOW, 'missing_secret');
  });

  it('accepts both pairs during a rotation, and signs test events the SDK accepts', async () => {
    const rotating = { secrets: [OLD_PAIR, PAIR] };
    await expect(provider.verify(webhook(body, { Authorization: basic(OLD_PAIR) }), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(webhook(body, { Authorization: basic(PAIR) }), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 1 });
    const signed = provider.sign!(provider.example!('payment.succeeded', NOW), config, NOW);
    await expect(sdkAccepts(signed.headers.authorization)).resolves.toBe(true);
  });
});

function signal(payload = body): PaymentEvent {
  const result = provider.normalize(webhook(payload), NOW);
  if (!result.ok) throw new Error(result.detail);
  return result.events[0];
}

describe('chargebee normalize', () => {
  it('maps payment_succeeded as a signal to fetch, with amount, ids and customer', () => {
    expect(signal()).toMatchObject({
      id: 'ev___test__8avSUTtPM9MLT3Ks',
      idempotencyKey: 'chargebee:ev___test__8avSUTtPM9MLT3Ks',
      type: 'payment_succeeded',
      kind: 'payment.succeeded',
      occurredAt: '2023-01-01T00:00:00.000Z',
      amount: { minor: 2500, currency: 'USD' },
      paymentId: 'txn___test__8avSUTtPM9MLS7Kq',
      invoiceId: '__demo_inv__12',
      subscriptionId: '__test__8asukSOXdvliPG',
      paymentMethod: 'card',
      customer: { id: '__test__8asukSOXdvg4PD', email: 'john@test.com', name: 'John Doe' },
      verification: 'fetch_required',
    });
  });

  it('gives examples that normalize back to their kind, with the failure of a failed payment', () => {
    for (const kind of ['payment.succeeded', 'payment.failed', 'invoice.created', 'subscription.created', 'subscription.renewed', 'subscription.canceled'] as const) {
      expect(provider.normalize(webhook(provider.example!(kind, NOW)), NOW)).toMatchObject({ ok: true, events: [{ kind }] });
    }
    expect(signal(provider.example!('payment.failed', NOW)).failure).toEqual({ code: 'card_declined', message: 'Your card was declined.' });
    expect(provider.normalize(webhook('{"event_type":"payment_succeeded"}'), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });
});

describe('chargebee confirm against a loopback API serving the recorded event', () => {
  let api: LoopbackApi;
  beforeAll(async () => {
    api = await startLoopbackApi({
      '/api/v2/events/ev___test__8avSUTtPM9MLT3Ks': { status: 200, body: fixtureBytes('chargebee', 'event-retrieve.json') },
      '/api/v2/events/ev_forged': { status: 404, body: '{"message":"Sorry, we couldn\'t find that resource","api_error_code":"resource_not_found","http_status_code":404}' },
    });
  });
  afterAll(() => api.close());

  it('fetches the event with the API key as basic auth and returns it confirmed', async () => {
    const result = await provider.confirm!(signal(), { secrets: [PAIR], site: 'acme-test', apiKey: API_KEY, apiBaseUrl: api.baseUrl }, { now: NOW, fetch });
    expect(result).toMatchObject({ ok: true, event: { id: 'ev___test__8avSUTtPM9MLT3Ks', kind: 'payment.succeeded', amount: { minor: 2500, currency: 'USD' }, verification: 'confirmed' } });
    expect(api.received.at(-1)).toEqual({ method: 'GET', path: '/api/v2/events/ev___test__8avSUTtPM9MLT3Ks', authorization: basic(`${API_KEY}:`) });
  });

  it('refuses a forged event the API does not know, without the key in the detail', async () => {
    const forged = signal(Buffer.from(body.toString().replace('ev___test__8avSUTtPM9MLT3Ks', 'ev_forged')));
    const result = await provider.confirm!(forged, { secrets: [PAIR], apiKey: API_KEY, apiBaseUrl: api.baseUrl }, { now: NOW, fetch });
    expect(result).toMatchObject({ ok: false, reason: 'confirm_failed' });
    expect(result.ok ? '' : result.detail).not.toContain(API_KEY);
  });

  it('refuses an id that is not a Chargebee id, `..` included, before any request is made', async () => {
    const before = api.received.length;
    for (const id of ['..', '.', '../customers', 'ev_1/../../customers', 'ev 1', '%2e%2e', '']) {
      const forged = { ...signal(), id, idempotencyKey: `chargebee:${id}` };
      const result = await provider.confirm!(forged, { secrets: [PAIR], apiKey: API_KEY, apiBaseUrl: api.baseUrl }, { now: NOW, fetch });
      expect(result).toMatchObject({ ok: false, reason: 'confirm_failed', detail: expect.stringContaining('not put in an API path') });
    }
    expect(api.received).toHaveLength(before);
  });

  it('refuses a redirect instead of following it with the API key, naming where it pointed', async () => {
    const elsewhere = await startLoopbackApi({});
    const redirecting = await startRedirectServer(`${elsewhere.baseUrl}/api/v2/events/ev___test__8avSUTtPM9MLT3Ks`);
    try {
      const result = await provider.confirm!(signal(), { secrets: [PAIR], apiKey: API_KEY, apiBaseUrl: redirecting.origin }, { now: NOW, fetch });
      expect(result).toMatchObject({ ok: false, reason: 'confirm_failed', detail: expect.stringContaining(`a redirect to ${elsewhere.baseUrl}`) });
      expect(redirecting.received).toHaveLength(1);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
  });

  it('needs an apiKey and a plain site name', async () => {
    await expect(provider.confirm!(signal(), { secrets: [PAIR], site: 'acme' }, { now: NOW, fetch })).resolves.toMatchObject({ ok: false, reason: 'missing_secret' });
    await expect(provider.confirm!(signal(), { secrets: [PAIR], site: 'evil.example/x?', apiKey: API_KEY }, { now: NOW, fetch })).resolves.toMatchObject({ ok: false, reason: 'missing_secret' });
  });
});
