import { createHmac } from 'node:crypto';
import { recurly as provider } from '../../../core/providers/recurly';
import { getProvider } from '../../../core/providers';
import { expectRefusal, fixtureBytes, webhook, withOneWhitespaceByte } from './support/gateway-requests';
import { tamper } from './support/hmac-refusals';

const KEY = 'recurly_webhook_key_5Tg8Hn2Vb7';
const OLD_KEY = 'recurly_webhook_key_old_1Qw4Er';
const NOW = new Date('2026-11-30T12:00:00Z');
const config = { secrets: [KEY] };
const body = fixtureBytes('recurly', 'charge_invoice-paid.json');

/**
 * Recurly's Node client does not verify webhooks; the vectors follow the recipe of its Ruby
 * client's `Recurly::Webhooks.verify_signature`, rebuilt with node:crypto: hex HMAC-SHA256 of
 * `"{unix ms}.{raw body}"`, header `recurly-signature: <ms>,<hex>[,<hex>]`.
 */
function hexFor(payload: Buffer, key: string, ms: number): string {
  return createHmac('sha256', key).update(`${ms}.`).update(payload).digest('hex');
}

function signatureHeaders(payload = body, keys = [KEY], at = NOW): Record<string, string> {
  const ms = at.getTime();
  return { 'recurly-signature': [String(ms), ...keys.map((key) => hexFor(payload, key, ms))].join(',') };
}

const signed = (payload = body, keys = [KEY], at = NOW) => webhook(payload, signatureHeaders(payload, keys, at));

describe('recurly verify', () => {
  it('is registered', () => {
    expect(getProvider('recurly')).toBe(provider);
  });

  it('accepts a genuine notification, and one signed by several keys during a rotation', async () => {
    await expect(provider.verify(signed(), config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(signed(body, [OLD_KEY, KEY]), config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(signed(body, [OLD_KEY]), { secrets: [OLD_KEY, KEY] }, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(signed(), { secrets: [OLD_KEY, KEY] }, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 1 });
  });

  it('refuses a tampered body, a one-whitespace-byte change and another key', async () => {
    const headers = signatureHeaders();
    await expectRefusal(provider, webhook(tamper(body), headers), config, NOW, 'signature_mismatch');
    await expectRefusal(provider, webhook(withOneWhitespaceByte(body), headers), config, NOW, 'signature_mismatch');
    await expectRefusal(provider, signed(body, [OLD_KEY]), config, NOW, 'signature_mismatch');
  });

  it('refuses stale and future timestamps outside the tolerance, in both directions', async () => {
    await expectRefusal(provider, signed(body, [KEY], new Date(NOW.getTime() - 301_000)), config, NOW, 'timestamp_outside_tolerance');
    await expectRefusal(provider, signed(body, [KEY], new Date(NOW.getTime() + 301_000)), config, NOW, 'timestamp_outside_tolerance');
    await expect(provider.verify(signed(body, [KEY], new Date(NOW.getTime() - 299_000)), config, { now: NOW })).resolves.toMatchObject({ ok: true });
    await expect(provider.verify(signed(body, [KEY], new Date(NOW.getTime() - 600_000)), { ...config, toleranceSeconds: 900 }, { now: NOW })).resolves.toMatchObject({ ok: true });
  });

  it('refuses missing, malformed, truncated and wrongly encoded signatures', async () => {
    const ms = NOW.getTime();
    const hex = hexFor(body, KEY, ms);
    await expectRefusal(provider, webhook(body), config, NOW, 'missing_signature');
    await expectRefusal(provider, webhook(body, { 'recurly-signature': hex }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, webhook(body, { 'recurly-signature': `${ms}` }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, webhook(body, { 'recurly-signature': `${ms},${hex.slice(0, 32)}` }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, webhook(body, { 'recurly-signature': `${ms},${Buffer.from(hex, 'hex').toString('base64')}` }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, signed(), { secrets: [] }, NOW, 'missing_secret');
  });

  it('signs test events with every configured key, which verify accepts', async () => {
    const out = provider.sign!(body, { secrets: [OLD_KEY, KEY] }, NOW);
    expect(out.headers['recurly-signature']).toBe([NOW.getTime(), hexFor(body, OLD_KEY, NOW.getTime()), hexFor(body, KEY, NOW.getTime())].join(','));
    await expect(provider.verify(webhook(out.body, out.headers), config, { now: NOW })).resolves.toMatchObject({ ok: true });
  });
});

describe('recurly normalize', () => {
  it('maps a paid charge invoice', () => {
    const result = provider.normalize(webhook(body), NOW);
    expect(result).toMatchObject({
      ok: true,
      events: [
        {
          id: 'sx4lb9hfngdy',
          idempotencyKey: 'recurly:sx4lb9hfngdy',
          type: 'charge_invoice.paid',
          kind: 'invoice.paid',
          occurredAt: '2022-08-10T19:24:30.000Z',
          invoiceId: '6e1c6c0fa3bd23a9b4e0ad4c03a8b5fe',
          reference: '1008',
          customer: { id: '1' },
        },
      ],
    });
  });

  it('maps a canceled subscription', () => {
    const result = provider.normalize(webhook(fixtureBytes('recurly', 'subscription-canceled.json')), NOW);
    expect(result).toMatchObject({ ok: true, events: [{ kind: 'subscription.canceled', subscriptionId: '5c5b4d2d30d3c0f1b4e2b1a54d0f7b6e' }] });
  });

  it('gives examples that normalize back to their kind, and refuses incomplete bodies', () => {
    for (const kind of ['payment.succeeded', 'invoice.paid', 'subscription.renewed', 'dispute.opened'] as const) {
      expect(provider.normalize(webhook(provider.example!(kind, NOW)), NOW)).toMatchObject({ ok: true, events: [{ kind }] });
    }
    expect(provider.normalize(webhook('{"id":"x","object_type":"account"}'), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });
});
