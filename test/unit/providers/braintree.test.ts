import { braintree as provider } from '../../../core/providers/braintree';
import { getProvider } from '../../../core/providers';
import { EVENT_KINDS } from '../../../core/event';
import { expectRefusal, fixtureBytes, webhook } from './support/gateway-requests';

/** braintree ships no type declarations: the members these tests use. */
interface BraintreeGateway {
  webhookTesting: { sampleNotification(kind: string, id?: string): Record<string, string> };
  webhookNotification: { parse(signature: string, payload: string): Promise<{ kind: string }> };
}
interface BraintreeSdk {
  BraintreeGateway: new (config: { environment: unknown; merchantId: string; publicKey: string; privateKey: string }) => BraintreeGateway;
  Environment: { Sandbox: unknown };
  WebhookNotification: { Kind: Record<string, string> };
}
const braintreeSdk = require('braintree') as BraintreeSdk;

const PUBLIC_KEY = 'integration_public_key';
const PRIVATE_KEY = 'integration_private_key';
const OLD_PRIVATE_KEY = 'old_private_key_2f9c';
const NOW = new Date('2026-11-30T12:00:00Z');
const config = { secrets: [PRIVATE_KEY], publicKey: PUBLIC_KEY };

const gatewayFor = (privateKey: string, publicKey = PUBLIC_KEY) =>
  new braintreeSdk.BraintreeGateway({ environment: braintreeSdk.Environment.Sandbox, merchantId: 'integration_merchant_id', publicKey, privateKey });
const sdk = gatewayFor(PRIVATE_KEY);
const Kind = braintreeSdk.WebhookNotification.Kind;

/** A request as Braintree posts it: the SDK's signed sample, form-encoded. */
function sdkSigned(kind: string, id = 'my_id', gateway = sdk) {
  const sample = gateway.webhookTesting.sampleNotification(kind, id);
  return webhook(new URLSearchParams(sample).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
}

const fields = (rawBody: Buffer) => {
  const form = new URLSearchParams(rawBody.toString());
  return { signature: form.get('bt_signature') ?? '', payload: form.get('bt_payload') ?? '' };
};

async function sdkParses(rawBody: Buffer): Promise<boolean> {
  const { signature, payload } = fields(rawBody);
  return sdk.webhookNotification.parse(signature, payload).then(
    () => true,
    () => false,
  );
}

function withFields(rawBody: Buffer, change: Partial<{ signature: string; payload: string }>) {
  const { signature, payload } = { ...fields(rawBody), ...change };
  return webhook(new URLSearchParams({ bt_signature: signature, bt_payload: payload }).toString());
}

describe('braintree verify', () => {
  it('is registered', () => {
    expect(getProvider('braintree')).toBe(provider);
  });

  it('accepts a notification signed by the Braintree SDK, which the SDK parses too', async () => {
    const request = sdkSigned(Kind.TransactionSettled);
    await expect(provider.verify(request, config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(sdkParses(request.rawBody)).resolves.toBe(true);
  });

  it('signs (send-test-event) in a way the SDK parses', async () => {
    const out = provider.sign!(provider.example!('payment.succeeded', NOW), config, NOW);
    await expect(sdkParses(out.body)).resolves.toBe(true);
    const notification = await sdk.webhookNotification.parse(fields(out.body).signature, fields(out.body).payload);
    expect(notification.kind).toBe('transaction_settled');
  });

  it('accepts the payload without its trailing newline, as the SDK does', async () => {
    const request = sdkSigned(Kind.SubscriptionCanceled);
    const stripped = withFields(request.rawBody, { payload: fields(request.rawBody).payload.replace(/\n$/, '') });
    await expect(provider.verify(stripped, config, { now: NOW })).resolves.toMatchObject({ ok: true });
    await expect(sdkParses(stripped.rawBody)).resolves.toBe(true);
  });

  it('picks its pair out of several and accepts both private keys during a rotation', async () => {
    const request = sdkSigned(Kind.DisputeOpened);
    const { signature } = fields(request.rawBody);
    const several = withFields(request.rawBody, { signature: `other_public_key|${'ab'.repeat(20)}&${signature}` });
    await expect(provider.verify(several, config, { now: NOW })).resolves.toMatchObject({ ok: true });
    await expect(sdkParses(several.rawBody)).resolves.toBe(true);
    const rotating = { ...config, secrets: [OLD_PRIVATE_KEY, PRIVATE_KEY] };
    await expect(provider.verify(sdkSigned(Kind.Check, 'x', gatewayFor(OLD_PRIVATE_KEY)), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(request, rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 1 });
  });

  it('refuses a tampered payload, a wrong private key and a one-byte change', async () => {
    const request = sdkSigned(Kind.TransactionSettled);
    const xml = Buffer.from(fields(request.rawBody).payload, 'base64').toString().replace('<amount>100</amount>', '<amount>1</amount>');
    const tampered = withFields(request.rawBody, { payload: `${Buffer.from(xml).toString('base64')}\n` });
    await expectRefusal(provider, tampered, config, NOW, 'signature_mismatch');
    await expect(sdkParses(tampered.rawBody)).resolves.toBe(false);
    await expectRefusal(provider, sdkSigned(Kind.TransactionSettled, 'my_id', gatewayFor(OLD_PRIVATE_KEY)), config, NOW, 'signature_mismatch');
    const oneByte = withFields(request.rawBody, { payload: `${fields(request.rawBody).payload}\n` });
    await expectRefusal(provider, oneByte, config, NOW, 'signature_mismatch');
  });

  it('refuses missing fields, a foreign public key, malformed, truncated and wrongly encoded signatures', async () => {
    const request = sdkSigned(Kind.TransactionSettled);
    const hex = fields(request.rawBody).signature.split('|')[1];
    await expectRefusal(provider, webhook('bt_payload=abc'), config, NOW, 'missing_signature');
    await expectRefusal(provider, webhook('{"kind":"transaction_settled"}'), config, NOW, 'missing_signature');
    await expectRefusal(provider, withFields(request.rawBody, { signature: hex }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withFields(request.rawBody, { signature: `someone_else|${hex}` }), config, NOW, 'unknown_key');
    await expectRefusal(provider, withFields(request.rawBody, { signature: `${PUBLIC_KEY}|${hex.slice(0, 20)}` }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withFields(request.rawBody, { signature: `${PUBLIC_KEY}|${Buffer.from(hex, 'hex').toString('base64')}` }), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withFields(request.rawBody, { payload: '<notification/>' }), config, NOW, 'body_unreadable');
    await expectRefusal(provider, request, { secrets: [PRIVATE_KEY] }, NOW, 'missing_secret');
    await expectRefusal(provider, request, { secrets: [], publicKey: PUBLIC_KEY }, NOW, 'missing_secret');
  });
});

describe('braintree normalize', () => {
  /** Wraps a recorded notification XML into the form body Braintree posts. */
  const normalized = (name: string) => {
    const signed = provider.sign!(fixtureBytes('braintree', name), config, NOW);
    const result = provider.normalize(webhook(signed.body, signed.headers), NOW);
    if (!result.ok) throw new Error(result.detail);
    return result.events[0];
  };

  it('derives the id from kind, timestamp and subject id and keeps the XML raw', () => {
    const event = normalized('transaction_settled.xml');
    expect(event).toMatchObject({
      id: 'transaction_settled:2026-11-30T04:36:40Z:my_id', idempotencyKey: 'braintree:transaction_settled:2026-11-30T04:36:40Z:my_id',
      type: 'transaction_settled', kind: 'payment.succeeded', occurredAt: '2026-11-30T04:36:40.000Z',
      amount: { minor: 10000, currency: 'USD' }, paymentId: 'my_id', paymentMethod: 'us_bank_account',
    });
    expect(event.raw).toBe(fixtureBytes('braintree', 'transaction_settled.xml').toString());
  });

  it('reads a card transaction in JPY with its customer and card fingerprint', () => {
    expect(normalized('transaction_settled.card-jpy.xml')).toMatchObject({
      amount: { minor: 1500, currency: 'JPY' }, paymentMethod: 'card', reference: 'order-jp-77',
      customer: { id: 'customer_3141', email: 'hana.sato@example.com', name: 'Hana Sato' },
      risk: { cardFingerprint: '2b2e5b3c9e4f4d6a8f1c0b7a6d5e4f3c' },
    });
  });

  it('keeps the settlement decline', () => {
    expect(normalized('transaction_settlement_declined.xml')).toMatchObject({ kind: 'payment.failed', failure: { code: '4001', message: 'Settlement Declined' } });
  });

  it('maps subscriptions, disputes, disbursements and local payments', () => {
    expect(normalized('subscription_charged_successfully.xml')).toMatchObject({ kind: 'subscription.renewed', subscriptionId: 'my_id', paymentId: 'my_id' });
    expect(normalized('subscription_charged_unsuccessfully.xml')).toMatchObject({ kind: 'invoice.payment_failed', subscriptionId: 'my_id' });
    expect(normalized('subscription_canceled.xml')).toMatchObject({ kind: 'subscription.canceled' });
    expect(normalized('dispute_opened.xml')).toMatchObject({ kind: 'dispute.opened', amount: { minor: 25000, currency: 'USD' }, paymentId: 'my_id' });
    expect(normalized('dispute_won.xml')).toMatchObject({ kind: 'dispute.closed' });
    expect(normalized('disbursement.xml')).toMatchObject({ kind: 'payout.paid', amount: { minor: 10000, currency: 'USD' } });
    expect(normalized('local_payment_completed.xml')).toMatchObject({ kind: 'payment.succeeded', paymentId: '1', reference: 'order1234' });
  });

  it('keeps an unmapped kind as other', () => {
    expect(normalized('check.xml')).toMatchObject({ kind: 'other', type: 'check' });
  });

  it('answers malformed_body instead of throwing, also for a DTD inside the payload', () => {
    const form = (payload: string) => webhook(new URLSearchParams({ bt_signature: 'k|00', bt_payload: payload }).toString());
    const dtd = Buffer.from('<!DOCTYPE n [<!ENTITY x "y">]><notification><kind>&x;</kind></notification>').toString('base64');
    for (const request of [webhook('not a form'), form('****'), form(Buffer.from('<notification>').toString('base64')), form(Buffer.from('<other/>').toString('base64')), form(dtd), form(Buffer.from('<notification><kind>check</kind></notification>').toString('base64'))]) {
      expect(provider.normalize(request, NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    }
  });

  it('builds signed examples that the SDK parses and that normalize back to their kind', async () => {
    const mapped = new Set(['payment.succeeded', 'payment.failed', 'dispute.opened', 'dispute.closed', 'invoice.payment_failed', 'subscription.created', 'subscription.renewed', 'subscription.canceled', 'payout.paid', 'other']);
    for (const kind of EVENT_KINDS) {
      const out = provider.sign!(provider.example!(kind, NOW), config, NOW);
      await expect(sdkParses(out.body)).resolves.toBe(true);
      const result = provider.normalize(webhook(out.body, out.headers), NOW);
      expect(result.ok && result.events[0].kind).toBe(mapped.has(kind) ? kind : 'other');
    }
  });
});
