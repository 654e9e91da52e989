import { hmacValidator as HmacValidator } from '@adyen/api-library';
import { adyen as provider } from '../../../core/providers/adyen';
import { getProvider } from '../../../core/providers';
import { EVENT_KINDS } from '../../../core/event';
import { expectRefusal, fixtureJson, webhook, withOneWhitespaceByte } from './support/gateway-requests';

const sdk = new HmacValidator();
const KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const OLD_KEY = 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F5A1AAAB00';
const NOW = new Date('2026-11-30T12:00:00Z');
const config = { secrets: [KEY] };

type Notification = { live: string; notificationItems: Array<{ NotificationRequestItem: Record<string, any> }> };
const itemsOf = (body: Notification) => body.notificationItems.map((entry) => entry.NotificationRequestItem);

/** Signs every item with Adyen's own HmacValidator, as Adyen's platform does before sending. */
function sdkSigned(name: string, key = KEY): Buffer {
  const body = fixtureJson<Notification>('adyen', name);
  for (const item of itemsOf(body)) item.additionalData = { ...item.additionalData, hmacSignature: sdk.calculateHmac(item as never, key) };
  return Buffer.from(JSON.stringify(body));
}

const sdkAcceptsItems = (body: Buffer, key = KEY) => itemsOf(JSON.parse(body.toString())).every((item) => sdk.validateHMAC(item as never, key));

describe('adyen verify (standard notifications)', () => {
  it('is registered', () => {
    expect(getProvider('adyen')).toBe(provider);
  });

  it('accepts items signed by HmacValidator, which validates them too', async () => {
    for (const name of ['authorisationTrue.json', 'captureFalse.json', 'refundTrue.json', 'batch.json']) {
      const body = sdkSigned(name);
      await expect(provider.verify(webhook(body), config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
      expect(sdkAcceptsItems(body)).toBe(true);
    }
  });

  it('signs (send-test-event) every item so that HmacValidator validates it', () => {
    const unsigned = Buffer.from(JSON.stringify(fixtureJson('adyen', 'batch.json')));
    expect(sdkAcceptsItems(provider.sign!(unsigned, config, NOW).body)).toBe(true);
  });

  it('accepts both keys during a rotation', async () => {
    const rotating = { secrets: [OLD_KEY, KEY] };
    await expect(provider.verify(webhook(sdkSigned('authorisationTrue.json', OLD_KEY)), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    await expect(provider.verify(webhook(sdkSigned('authorisationTrue.json')), rotating, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 1 });
  });

  it('refuses a changed signed field, a wrong key and a batch with one forged item', async () => {
    const body = sdkSigned('authorisationTrue.json');
    const tampered = Buffer.from(body.toString().replace('"value":10100', '"value":1'));
    expect(tampered.equals(body)).toBe(false);
    await expectRefusal(provider, webhook(tampered), config, NOW, 'signature_mismatch');
    expect(sdkAcceptsItems(tampered)).toBe(false);
    await expectRefusal(provider, webhook(sdkSigned('authorisationTrue.json', OLD_KEY)), config, NOW, 'signature_mismatch');
    const batch = JSON.parse(sdkSigned('batch.json').toString());
    batch.notificationItems[1].NotificationRequestItem.amount.value = 999999;
    await expectRefusal(provider, webhook(JSON.stringify(batch)), config, NOW, 'signature_mismatch');
  });

  it('ignores whitespace in the body, since Adyen signs field values rather than bytes', async () => {
    await expect(provider.verify(webhook(withOneWhitespaceByte(sdkSigned('refundTrue.json'))), config, { now: NOW })).resolves.toMatchObject({ ok: true });
  });

  it('refuses missing, truncated and wrongly encoded item signatures, and unreadable bodies', async () => {
    const body = JSON.parse(sdkSigned('authorisationTrue.json').toString());
    const item = body.notificationItems[0].NotificationRequestItem;
    const signature: string = item.additionalData.hmacSignature;
    const withSignature = (value: string | undefined) => {
      item.additionalData.hmacSignature = value;
      return webhook(JSON.stringify(body));
    };
    await expectRefusal(provider, withSignature(undefined), config, NOW, 'missing_signature');
    await expectRefusal(provider, withSignature(signature.slice(0, 20)), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withSignature(Buffer.from(signature, 'base64').toString('hex')), config, NOW, 'malformed_signature');
    await expectRefusal(provider, withSignature('not base64!'), config, NOW, 'malformed_signature');
    await expectRefusal(provider, webhook('{"live":"false","notif'), config, NOW, 'body_unreadable');
    await expectRefusal(provider, webhook('{"live":"false","notificationItems":[]}'), config, NOW, 'body_unreadable');
    await expectRefusal(provider, webhook('{"live":"false"}'), config, NOW, 'missing_signature');
  });

  it('refuses when no key is configured or no key is hex', async () => {
    await expectRefusal(provider, webhook(sdkSigned('authorisationTrue.json')), { secrets: [] }, NOW, 'missing_secret');
    await expectRefusal(provider, webhook(sdkSigned('authorisationTrue.json')), { secrets: ['not-a-hex-key'] }, NOW, 'missing_secret');
  });
});

describe('adyen verify (HmacSignature header: platform and management webhooks)', () => {
  const body = Buffer.from(JSON.stringify(fixtureJson('adyen', 'accountHolderCreated.json')));
  const signature = sdk.calculateHmacSignature(body.toString('utf8'), KEY);

  it('accepts a body signed by HmacValidator, and our signature passes validateHMACSignature', async () => {
    await expect(provider.verify(webhook(body, { HmacSignature: signature }), config, { now: NOW })).resolves.toEqual({ ok: true, keyIndex: 0 });
    const ours = provider.sign!(body, config, NOW);
    expect(sdk.validateHMACSignature(KEY, ours.headers.HmacSignature, ours.body.toString('utf8'))).toBe(true);
  });

  it('refuses a tampered body, a one-whitespace-byte change, a wrong key and a truncated signature', async () => {
    await expectRefusal(provider, webhook(Buffer.from(body.toString().replace('active', 'closed')), { HmacSignature: signature }), config, NOW, 'signature_mismatch');
    await expectRefusal(provider, webhook(withOneWhitespaceByte(body), { HmacSignature: signature }), config, NOW, 'signature_mismatch');
    await expectRefusal(provider, webhook(body, { HmacSignature: signature }), { secrets: [OLD_KEY] }, NOW, 'signature_mismatch');
    await expectRefusal(provider, webhook(body, { HmacSignature: signature.slice(0, 24) }), config, NOW, 'malformed_signature');
  });
});

describe('adyen normalize', () => {
  const events = (name: string) => {
    const result = provider.normalize(webhook(sdkSigned(name)), NOW);
    if (!result.ok) throw new Error(result.detail);
    return result.events;
  };

  it('maps a successful authorisation; the id is pspReference:eventCode:success', () => {
    const [event] = events('authorisationTrue.json');
    expect(event).toMatchObject({
      id: '123456789:AUTHORISATION:true', idempotencyKey: 'adyen:123456789:AUTHORISATION:true', type: 'AUTHORISATION', kind: 'payment.succeeded',
      occurredAt: '2017-01-19T15:42:03.000Z', livemode: false, amount: { minor: 10100, currency: 'EUR' }, paymentId: '123456789',
      reference: '8313842560770001', paymentMethod: 'card', risk: { providerScore: 10 },
    });
    expect(event.raw).toMatchObject({ pspReference: '123456789' });
  });

  it('keeps the refusal of a failed authorisation', () => {
    expect(events('authorisationFalse.json')[0]).toMatchObject({
      id: '8535296650153317:AUTHORISATION:false', kind: 'payment.failed',
      failure: { code: '24', declineCode: 'N7 : Decline for CVV2 failure', message: 'CVC Declined' }, risk: { providerScore: 75, ip: '198.51.100.42' },
    });
  });

  it('converts Adyen CLP (two decimals at Adyen, none in ISO) and KWD (three decimals)', () => {
    expect(events('authorisationTrue.clp.json')[0].amount).toEqual({ minor: 1500, currency: 'CLP' });
    expect(events('authorisationTrue.kwd.json')[0].amount).toEqual({ minor: 12345, currency: 'KWD' });
  });

  it('maps captures, refunds and chargebacks to the original payment', () => {
    expect(events('captureFalse.json')[0]).toMatchObject({ kind: 'payment.failed', paymentId: 'ORIGINAL_PSP', failure: { message: 'Insufficient balance on payment' } });
    expect(events('captureTrue.json')[0]).toMatchObject({ kind: 'other', type: 'CAPTURE' });
    expect(events('refundTrue.json')[0]).toMatchObject({ kind: 'payment.refunded', amount: { minor: 1500, currency: 'EUR' }, paymentId: 'ORIGINAL_PSP' });
    expect(events('refundFalse.json')[0]).toMatchObject({ kind: 'other' });
    expect(events('chargeback.json')[0]).toMatchObject({ kind: 'dispute.opened', paymentId: '123456789', amount: { minor: 10100, currency: 'EUR' } });
  });

  it('returns one event per item of a batch', () => {
    expect(events('batch.json').map((event) => [event.id, event.kind])).toEqual([
      ['123456789:AUTHORISATION:true', 'payment.succeeded'],
      ['PSP_REFERENCE:REFUND:true', 'payment.refunded'],
    ]);
  });

  it('keeps a platform webhook as other, with an id from type, subject and timestamp', () => {
    const body = Buffer.from(JSON.stringify(fixtureJson('adyen', 'accountHolderCreated.json')));
    expect(provider.normalize(webhook(body), NOW)).toMatchObject({
      ok: true,
      events: [{ id: 'balancePlatform.accountHolder.created:AH00000000000000000001:2024-12-15T15:42:03+01:00', kind: 'other', livemode: false }],
    });
  });

  it('answers malformed_body instead of throwing', () => {
    for (const text of ['<xml/>', '{"notificationItems":[{"NotificationRequestItem":{"eventCode":"AUTHORISATION"}}]}', '{"notificationItems":[1]}', '{}']) {
      expect(provider.normalize(webhook(text), NOW)).toMatchObject({ ok: false, reason: 'malformed_body' });
    }
  });

  it('builds signed examples that normalize back to their kind (Adyen has no invoice, subscription or checkout notification)', async () => {
    const mapped = new Set(['payment.succeeded', 'payment.failed', 'payment.pending', 'payment.refunded', 'dispute.opened', 'dispute.closed', 'payout.paid', 'other']);
    for (const kind of EVENT_KINDS) {
      const out = provider.sign!(provider.example!(kind, NOW), config, NOW);
      expect(sdkAcceptsItems(out.body)).toBe(true);
      await expect(provider.verify(webhook(out.body, out.headers), config, { now: NOW })).resolves.toMatchObject({ ok: true });
      const result = provider.normalize(webhook(out.body, out.headers), NOW);
      expect(result.ok && result.events[0].kind).toBe(mapped.has(kind) ? kind : 'other');
    }
  });
});
