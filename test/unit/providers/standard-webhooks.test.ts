import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { standardWebhooks as provider } from '../../../core/providers/standard-webhooks';
import { stripe } from '../../../core/providers/stripe';
import { getProvider } from '../../../core/providers';
import { expectRefusal, fixtureBytes, webhook, withOneWhitespaceByte } from './support/gateway-requests';

// The SDKs check timestamps against the real clock, so each test signs at the real time.
let NOW: Date;
beforeEach(() => {
  NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
});
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const config = { secrets: [SECRET] };
const body = fixtureBytes('standard-webhooks', 'contact.created.json');
const MESSAGE_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';

function sdkSigned(payload: Buffer, secret = SECRET, at = NOW, prefix = 'webhook') {
  const signature = new Webhook(secret).sign(MESSAGE_ID, at, payload);
  return webhook(payload, {
    [`${prefix}-id`]: MESSAGE_ID,
    [`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)),
    [`${prefix}-signature`]: signature,
  });
}

function sdkAccepts(request: { rawBody: Buffer; headers: Record<string, unknown> }, secret = SECRET): boolean {
  try {
    const headers = request.headers as Record<string, string>;
    if (headers['svix-id']) new SvixWebhook(secret).verify(request.rawBody, headers);
    else new Webhook(secret).verify(request.rawBody, headers);
    return true;
  } catch {
    return false;
  }
}

describe('standard-webhooks verify', () => {
  it('is registered', () => {
    expect(getProvider('standard-webhooks')).toBe(provider);
  });

  it('accepts a message signed by the standardwebhooks SDK, which the SDK accepts too', async () => {
    const request = sdkSigned(body);
    await expect(provider.verify(request, config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    expect(sdkAccepts(request)).toBe(true);
  });

  it('accepts svix-* headers, as the svix SDK verifies them', async () => {
    const request = sdkSigned(body, SECRET, NOW, 'svix');
    await expect(provider.verify(request, config, { now: NOW })).resolves.toMatchObject({ ok: true });
    expect(sdkAccepts(request)).toBe(true);
  });

  it('signs (send-test-event) in a way both SDKs accept', () => {
    const signed = provider.sign!(body, config, NOW);
    expect(sdkAccepts(webhook(signed.body, signed.headers))).toBe(true);
    const svixHeaders = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.replace(/^webhook-/, 'svix-'), value]));
    expect(sdkAccepts(webhook(signed.body, svixHeaders))).toBe(true);
  });

  it('accepts any signature of a space-separated list, and both secrets while rotating', async () => {
    const old = new Webhook(OLD_SECRET).sign(MESSAGE_ID, NOW, body);
    const current = new Webhook(SECRET).sign(MESSAGE_ID, NOW, body);
    const request = sdkSigned(body);
    request.headers['webhook-signature'] = `v1a,bm90LWFuLWVkMjU1MTktc2lnbmF0dXJl ${old} ${current}`;
    await expect(provider.verify(request, config, { now: NOW })).resolves.toMatchObject({ ok: true });
    expect(sdkAccepts(request)).toBe(true);
    const rotating = { secrets: [OLD_SECRET, SECRET] };
    await expect(provider.verify(sdkSigned(body, OLD_SECRET), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(sdkSigned(body, SECRET), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 1 });
  });

  it('refuses a tampered body, a wrong secret, a changed message id and a one-whitespace-byte change', async () => {
    const signed = sdkSigned(body);
    const tampered = Buffer.from(body.toString().replace('contact.created', 'contact.deleted'));
    await expectRefusal(provider, { ...signed, rawBody: tampered }, config, NOW, 'signature_mismatch');
    await expectRefusal(provider, sdkSigned(body, OLD_SECRET), config, NOW, 'signature_mismatch');
    await expectRefusal(provider, { ...signed, headers: { ...signed.headers, 'webhook-id': 'msg_other' } }, config, NOW, 'signature_mismatch');
    await expectRefusal(provider, { ...signed, rawBody: withOneWhitespaceByte(body) }, config, NOW, 'signature_mismatch');
    expect(sdkAccepts({ ...signed, rawBody: tampered })).toBe(false);
  });

  it('refuses missing, malformed, truncated and wrongly encoded signatures', async () => {
    const signed = sdkSigned(body);
    const b64 = (signed.headers['webhook-signature'] as string).slice(3);
    const withSignature = (value: string) => ({ ...signed, headers: { ...signed.headers, 'webhook-signature': value } });
    const { 'webhook-signature': _dropped, ...unsigned } = signed.headers;
    await expectRefusal(provider, webhook(body, unsigned as Record<string, string>), config, NOW, 'missing_signature');
    await expectRefusal(provider, withSignature(b64), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withSignature(`v1,${b64.slice(0, 20)}`), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withSignature(`v1,${Buffer.from(b64, 'base64').toString('hex')}`), config, NOW, 'malformed_signature');
    await expectRefusal(provider, { ...signed, headers: { ...signed.headers, 'webhook-timestamp': 'yesterday' } }, config, NOW, 'malformed_signature');
  });

  it('refuses stale and future timestamps, with the configured tolerance', async () => {
    const seconds = (offset: number) => new Date(NOW.getTime() + offset * 1000);
    await expectRefusal(provider, sdkSigned(body, SECRET, seconds(-301)), config, NOW, 'timestamp_outside_tolerance');
    await expectRefusal(provider, sdkSigned(body, SECRET, seconds(301)), config, NOW, 'timestamp_outside_tolerance');
    await expectRefusal(provider, sdkSigned(body, SECRET, seconds(-30)), { secrets: [SECRET], toleranceSeconds: 20 }, NOW, 'timestamp_outside_tolerance');
    expect(sdkAccepts(sdkSigned(body, SECRET, seconds(-301)))).toBe(false);
  });

  it('refuses when no secret is configured', async () => {
    await expectRefusal(provider, sdkSigned(body), { secrets: [] }, NOW, 'missing_secret');
  });
});

describe('standard-webhooks normalize', () => {
  it('uses the message id as the event id and keeps the body', () => {
    const result = provider.normalize(sdkSigned(body), NOW);
    expect(result).toMatchObject({
      ok: true,
      events: [{ id: MESSAGE_ID, provider: 'standard-webhooks', type: 'contact.created', kind: 'other', occurredAt: '2022-11-03T20:26:10.344Z', idempotencyKey: `standard-webhooks:${MESSAGE_ID}`, raw: JSON.parse(body.toString()) }],
    });
  });

  const stripeDelivery = () => {
    const normalized = stripe.normalize(webhook(fixtureBytes('stripe', 'charge.refunded.isk.json')), NOW);
    if (!normalized.ok) throw new Error(normalized.detail);
    return Buffer.from(JSON.stringify(normalized.events[0]));
  };

  it('passes a canonical event (as the runtime delivers it) through unchanged where the source accepts canonical events', () => {
    const delivery = stripeDelivery();
    const result = provider.normalize(sdkSigned(delivery), NOW, { ...config, acceptCanonicalEvents: true });
    expect(result).toEqual({ ok: true, events: [JSON.parse(delivery.toString())] });
  });

  it('keeps another gateway\'s canonical event as a plain message without the opt-in: a sender cannot pose as Stripe', () => {
    const delivery = stripeDelivery();
    const signed = sdkSigned(delivery);
    for (const sourceConfig of [undefined, config, { ...config, acceptCanonicalEvents: 'true' }]) {
      const result = provider.normalize(signed, NOW, sourceConfig);
      if (!result.ok) throw new Error(result.detail);
      expect(result.events).toHaveLength(1);
      expect(result.events[0]).toMatchObject({ provider: 'standard-webhooks', type: 'charge.refunded', kind: 'other', raw: JSON.parse(delivery.toString()) });
      expect(result.events[0].idempotencyKey).toBe(`standard-webhooks:${result.events[0].id}`);
      expect(result.events[0].idempotencyKey).not.toContain('stripe:');
    }
  });

  it('passes through a canonical event of its own provider without the opt-in', () => {
    const own = { ...JSON.parse(stripeDelivery().toString()), provider: 'standard-webhooks', id: 'msg_own_1', idempotencyKey: 'standard-webhooks:msg_own_1' };
    const result = provider.normalize(sdkSigned(Buffer.from(JSON.stringify(own))), NOW, config);
    expect(result).toEqual({ ok: true, events: [own] });
  });

  it('reads the id from the header set it verified: an extra webhook-id beside a signed svix-* set is not the id', async () => {
    const svix = sdkSigned(body, SECRET, NOW, 'svix');
    const genuine = provider.normalize(svix, NOW);
    expect(genuine).toMatchObject({ ok: true, events: [{ id: MESSAGE_ID }] });
    for (const forged of ['attacker-1', 'attacker-2']) {
      const request = webhook(body, { ...(svix.headers as Record<string, string>), 'webhook-id': forged });
      await expect(provider.verify(request, config, { now: NOW })).resolves.toMatchObject({ ok: true });
      expect(provider.normalize(request, NOW)).toEqual(genuine);
    }
  });

  it('takes a canonical kind name as the kind, and builds examples that round-trip', () => {
    const signed = provider.sign!(provider.example!('invoice.paid', NOW), config, NOW);
    expect(provider.normalize(webhook(signed.body, signed.headers), NOW)).toMatchObject({ ok: true, events: [{ kind: 'invoice.paid' }] });
  });

  it('answers malformed_body instead of throwing', () => {
    expect(provider.normalize(webhook('nope', { 'webhook-id': MESSAGE_ID }), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    expect(provider.normalize(webhook(body), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });
});
