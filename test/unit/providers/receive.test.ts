import Stripe from 'stripe';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../../core/event';
import { allProviders } from '../../../core/providers';
import { receiveWebhook } from '../../../core/providers/receive';
import { stripe } from '../../../core/providers/stripe';
import type { Provider } from '../../../core/providers/types';
import { fixtureJson, webhook } from './support/gateway-requests';

/**
 * The receive pipeline judges an event by the key it is stored and delivered under: the
 * source's namespace included, after a gateway's API confirmed it.
 */
const sdk = new Stripe('sk_test_unused');
const SECRET = 'whsec_test_receive_5d1c7e3a9b2f4a6c8e0d2b4f6a8c0e2d';
const NOW = new Date('2026-11-30T12:00:00Z');

function signedStripeEvent(id: string) {
  const body = JSON.stringify({ ...fixtureJson('stripe', 'payment_intent.succeeded.json'), id });
  const signature = sdk.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: Math.floor(NOW.getTime() / 1000) });
  return webhook(body, { 'Stripe-Signature': signature });
}

describe('receiveWebhook: the delivered key decides whether an event can be delivered', () => {
  // `stripe:` plus this id is exactly the longest key a delivery's webhook-id header carries.
  const id = `evt_${'a'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH - 'stripe:'.length - 'evt_'.length)}`;

  it('accepts the longest id whose key fits under the gateway namespace', async () => {
    const received = await receiveWebhook({ provider: stripe, request: signedStripeEvent(id), config: { secrets: [SECRET] }, namespace: 'stripe', now: NOW });
    expect(received).toMatchObject({ outcome: 'accepted', events: [{ idempotencyKey: `stripe:${id}` }] });
  });

  it('refuses the same id under a longer source name, whose key would not fit', async () => {
    const received = await receiveWebhook({ provider: stripe, request: signedStripeEvent(id), config: { secrets: [SECRET] }, namespace: 'stripe-eu', now: NOW });
    expect(received).toEqual({ outcome: 'malformed', detail: expect.stringContaining(`longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`) });
  });
});

describe('receiveWebhook: a confirmed event is judged on the key its confirmation gives', () => {
  // Stripe's verify and normalize, with events left to confirm by an API whose answer derives the
  // event's id, as Mollie's confirmation derives one from the payment's state.
  function confirmingProvider(derivedId: string): Provider {
    return {
      ...stripe,
      normalize: (request, now, config) => {
        const normalized = stripe.normalize(request, now, config);
        return normalized.ok ? { ok: true, events: normalized.events.map((event) => ({ ...event, verification: 'fetch_required' })) } : normalized;
      },
      confirm: async (event) => ({ ok: true, event: { ...event, id: derivedId, idempotencyKey: `stripe:${derivedId}`, verification: 'confirmed' } }),
    };
  }

  it('accepts the confirmed event under the source namespace', async () => {
    const provider = confirmingProvider('evt_asked:paid');
    const received = await receiveWebhook({ provider, request: signedStripeEvent('evt_asked'), config: { secrets: [SECRET] }, namespace: 'stripe-eu', now: NOW });
    expect(received).toMatchObject({ outcome: 'accepted', events: [{ id: 'evt_asked:paid', idempotencyKey: 'stripe-eu:evt_asked:paid', verification: 'confirmed' }] });
  });

  it('refuses a confirmation whose derived key cannot travel as a header', async () => {
    const provider = confirmingProvider('evt_asked\r\nx-injected: 1');
    const received = await receiveWebhook({ provider, request: signedStripeEvent('evt_asked'), config: { secrets: [SECRET] }, namespace: 'stripe', now: NOW });
    expect(received).toEqual({ outcome: 'malformed', detail: expect.stringContaining('control character') });
  });
});

describe.each(allProviders().filter((provider) => toleranceDefault(provider) !== undefined && provider.sign && provider.example).map((p) => [p.id, p] as const))(
  '%s: a source that sets no replay window gets the one its settings declare',
  (_id, provider) => {
    const declared = toleranceDefault(provider)!;
    // Generic HMAC signs a time only when told where it travels and what it signs.
    const fields = provider.id === 'generic-hmac' ? { header: 'x-signature', timestampHeader: 'x-timestamp', template: '{timestamp}.{body}' } : {};
    const config = { secrets: [`${provider.id}-test-secret-0123456789`], ...fields };
    const now = new Date('2026-11-30T12:00:00Z');
    const signedSecondsAgo = (seconds: number) => {
      const signedAt = new Date(now.getTime() - seconds * 1000);
      const { body, headers } = provider.sign!(provider.example!('payment.succeeded', signedAt), config, signedAt);
      return webhook(body, headers);
    };

    it('accepts an event signed just inside it and refuses one signed just outside it', async () => {
      const inside = await receiveWebhook({ provider, request: signedSecondsAgo(declared - 2), config, namespace: provider.id, now });
      expect(inside).toMatchObject({ outcome: 'accepted' });
      const outside = await receiveWebhook({ provider, request: signedSecondsAgo(declared + 2), config, namespace: provider.id, now });
      expect(outside).toMatchObject({ outcome: 'refused', stage: 'signature', reason: 'timestamp_outside_tolerance' });
    });
  },
);

function toleranceDefault(provider: Provider): number | undefined {
  const field = provider.settings.fields.find((candidate) => candidate.name === 'toleranceSeconds');
  return field?.type === 'number' ? field.default : undefined;
}
