import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateEvent } from '../../../core/event';
import { getProvider } from '../../../core/providers';
import { fixtureBytes, webhook } from './support/gateway-requests';

const NOW = new Date('2026-11-30T12:00:00Z');
const FIXTURES = join(__dirname, '..', '..', 'fixtures');

/** Every fixture each gateway provider normalizes must give well-formed canonical events. */
const cases: Array<[string, string]> = ['stripe', 'standard-webhooks', 'razorpay', 'square', 'paddle', 'adyen', 'braintree', 'paypal'].flatMap((id) =>
  readdirSync(join(FIXTURES, id))
    .filter((name) => /\.(json|xml)$/.test(name) && name !== 'vector.json')
    .map((name): [string, string] => [id, name]),
);

describe('normalized gateway fixtures are valid canonical events', () => {
  it.each(cases)('%s %s', (id, name) => {
    const provider = getProvider(id)!;
    // Standard Webhooks reads the id from a complete header set, the one verify checks (not verified here).
    const standardHeaders = { 'webhook-id': 'msg_fixture', 'webhook-timestamp': '1764504000', 'webhook-signature': 'v1,unchecked' };
    let request = webhook(fixtureBytes(id, name), { ...standardHeaders, 'x-razorpay-event-id': 'evt_fixture' });
    // Braintree fixtures are the notification XML: wrap it in the form Braintree posts.
    if (name.endsWith('.xml')) {
      const signed = provider.sign!(request.rawBody, { secrets: ['private'], publicKey: 'public' }, NOW);
      request = webhook(signed.body, signed.headers);
    }
    const result = provider.normalize(request, NOW);
    if (!result.ok) throw new Error(`${name}: ${result.detail}`);
    expect(result.events.length).toBeGreaterThan(0);
    for (const event of result.events) expect(validateEvent(JSON.parse(JSON.stringify(event)))).toEqual({ ok: true, event: expect.anything() });
  });
});
