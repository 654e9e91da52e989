import { createHash, createHmac } from 'node:crypto';
import { genericHmac as provider, genericHmacSettings } from '../../../core/providers/generic-hmac';
import { getProvider } from '../../../core/providers';
import { expectRefusal, fixtureBytes, webhook, withOneWhitespaceByte } from './support/gateway-requests';
import { describeHeaderHmacRefusals, tamper } from './support/hmac-refusals';

const SECRET = 'generic_secret_Zp4Lq8Wm2Nx6';
const OLD_SECRET = 'generic_secret_old_Tb3Kc7Vf';
const NOW = new Date('2026-11-30T12:00:00Z');
const body = fixtureBytes('generic-hmac', 'order-paid.json');

/** Every vector here is built from the configured recipe with node:crypto: there is no SDK for "any gateway". */
describeHeaderHmacRefusals('generic-hmac (defaults: hex HMAC-SHA256 of the body)', {
  provider,
  secret: SECRET,
  oldSecret: OLD_SECRET,
  body,
  now: NOW,
  headerName: 'X-Signature',
  encoding: 'hex',
  sign: (payload, secret) => ({ 'X-Signature': createHmac('sha256', secret).update(payload).digest('hex') }),
  extraConfig: { header: 'X-Signature' },
});

describeHeaderHmacRefusals('generic-hmac (sha1, base64, prefix)', {
  provider,
  secret: SECRET,
  oldSecret: OLD_SECRET,
  body,
  now: NOW,
  headerName: 'X-Hub-Signature',
  encoding: 'base64',
  prefix: 'sha1=',
  sign: (payload, secret) => ({ 'X-Hub-Signature': `sha1=${createHmac('sha1', secret).update(payload).digest('base64')}` }),
  extraConfig: { header: 'X-Hub-Signature', prefix: 'sha1=', algorithm: 'sha1', encoding: 'base64' },
});

describe('generic-hmac with a timestamp and an id in the signed template', () => {
  const config = {
    secrets: [SECRET],
    header: 'X-Webhook-Signature',
    prefix: 'v1=',
    algorithm: 'sha512',
    encoding: 'base64',
    template: '{id}.{timestamp}.{body}',
    timestampHeader: 'X-Webhook-Timestamp',
    idHeader: 'X-Webhook-Id',
    toleranceSeconds: 300,
  };
  const signedAt = (at: Date, payload = body, secret = SECRET, id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W') => {
    const ts = String(Math.floor(at.getTime() / 1000));
    const mac = createHmac('sha512', secret).update(`${id}.${ts}.`).update(payload).digest('base64');
    return webhook(payload, { 'X-Webhook-Signature': `v1=${mac}`, 'X-Webhook-Timestamp': ts, 'X-Webhook-Id': id });
  };

  it('is registered', () => {
    expect(getProvider('generic-hmac')).toBe(provider);
  });

  it('accepts a genuine request and takes the id from the id header', async () => {
    await expect(provider.verify(signedAt(NOW), config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    const result = provider.normalize(signedAt(NOW), NOW, config);
    expect(result).toMatchObject({ ok: true, events: [{ id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', occurredAt: NOW.toISOString() }] });
  });

  it('refuses stale and future timestamps, and a missing timestamp header', async () => {
    await expectRefusal(provider, signedAt(new Date(NOW.getTime() - 301_000)), config, NOW, 'timestamp_outside_tolerance');
    await expectRefusal(provider, signedAt(new Date(NOW.getTime() + 301_000)), config, NOW, 'timestamp_outside_tolerance');
    const request = signedAt(NOW);
    delete request.headers['X-Webhook-Timestamp'];
    await expectRefusal(provider, request, config, NOW, 'missing_signature');
    await expectRefusal(provider, { ...signedAt(NOW), headers: { ...signedAt(NOW).headers, 'X-Webhook-Timestamp': 'yesterday' } }, config, NOW, 'malformed_signature');
  });

  it('refuses a changed id, a tampered body, a whitespace byte and a missing id header', async () => {
    const genuine = signedAt(NOW);
    await expectRefusal(provider, { ...genuine, headers: { ...genuine.headers, 'X-Webhook-Id': 'msg_other' } }, config, NOW, 'signature_mismatch');
    await expectRefusal(provider, { ...genuine, rawBody: tamper(body) }, config, NOW, 'signature_mismatch');
    await expectRefusal(provider, { ...genuine, rawBody: withOneWhitespaceByte(body) }, config, NOW, 'signature_mismatch');
    const { 'X-Webhook-Id': _dropped, ...withoutId } = genuine.headers as Record<string, string>;
    await expectRefusal(provider, webhook(body, withoutId), config, NOW, 'malformed_signature');
  });

  it('signs test events that verify', async () => {
    const out = provider.sign!(provider.example!('payment.succeeded', NOW), config, NOW);
    await expect(provider.verify(webhook(out.body, out.headers), config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
  });
});

describe('generic-hmac configuration and normalization', () => {
  it('names configuration problems as missing_secret refusals and in genericHmacSettings', async () => {
    expect(genericHmacSettings({ secrets: [SECRET] })).toMatchObject({ ok: false, problem: expect.stringContaining('header') });
    expect(genericHmacSettings({ secrets: [SECRET], header: 'X', algorithm: 'md5' })).toMatchObject({ ok: false });
    expect(genericHmacSettings({ secrets: [SECRET], header: 'X', encoding: 'base32' })).toMatchObject({ ok: false });
    expect(genericHmacSettings({ secrets: [SECRET], header: 'X', template: '{timestamp}.{body}' })).toMatchObject({ ok: false });
    expect(genericHmacSettings({ secrets: [SECRET], header: 'X', kindMap: { paid: 'payment.great' } })).toMatchObject({ ok: false });
    await expectRefusal(provider, webhook(body, { X: 'aa' }), { secrets: [SECRET], header: 'X', algorithm: 'md5' }, NOW, 'missing_secret');
  });

  it('reads id and type at the configured paths and maps the type with kindMap', () => {
    const config = { secrets: [SECRET], header: 'X-Signature', idPath: 'event.id', typePath: 'event.name', kindMap: { 'order.paid': 'payment.succeeded' } };
    const result = provider.normalize(webhook(body), NOW, config);
    expect(result).toMatchObject({
      ok: true,
      events: [{ id: 'whk_01HZ8Q4M3T2V', idempotencyKey: 'generic-hmac:whk_01HZ8Q4M3T2V', type: 'order.paid', kind: 'payment.succeeded', raw: JSON.parse(body.toString()) }],
    });
  });

  it('derives the id from the body bytes when the payload has none, and keeps unmapped types as other', () => {
    const result = provider.normalize(webhook(body), NOW, { secrets: [], header: 'X' });
    const digest = createHash('sha256').update(body).digest('hex');
    expect(result).toMatchObject({ ok: true, events: [{ id: digest, type: 'unknown', kind: 'other' }] });
    expect(provider.normalize(webhook('[1,2]'), NOW, { secrets: [], header: 'X' })).toMatchObject({ ok: false, reason: 'malformed_body' });
  });
});
