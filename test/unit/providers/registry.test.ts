import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_KINDS } from '../../../core/event';
import { allProviders, getProvider, providerIds } from '../../../core/providers';
import type { Provider, SourceConfig } from '../../../core/providers/types';

/** The provider ids of PROVIDERS.md ("How a source names its gateway"), the same everywhere. */
const DOCUMENTED_IDS = [
  'stripe',
  'standard-webhooks',
  'paypal',
  'adyen',
  'square',
  'braintree',
  'razorpay',
  'paddle',
  'checkout',
  'gocardless',
  'mollie',
  'shopify',
  'lemonsqueezy',
  'paystack',
  'recurly',
  'chargebee',
  'generic-hmac',
];

const NOW = new Date('2026-11-30T12:00:00Z');

/** Per-provider fields beside the secret, as a source would configure them. */
const EXTRA_CONFIG: Record<string, Record<string, unknown>> = {
  square: { notificationUrl: 'https://example.com/webhooks/square' },
  braintree: { publicKey: 'integration_public_key' },
  'generic-hmac': { header: 'X-Signature', template: '{timestamp}.{body}', timestampHeader: 'X-Timestamp' },
  chargebee: {},
};

function configFor(provider: Provider): SourceConfig {
  // A 64-hex secret suits every scheme: Adyen's hex keys, Standard Webhooks' base64, UTF-8 elsewhere;
  // Chargebee's secrets are user:password pairs.
  const secret = provider.id === 'chargebee' ? 'hooks:9f86d081884c7d65' : '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
  return { secrets: [secret], ...EXTRA_CONFIG[provider.id] };
}

describe('provider registry', () => {
  it('has unique ids, each found by getProvider', () => {
    const ids = providerIds();
    expect(new Set(ids).size).toBe(ids.length);
    for (const provider of allProviders()) expect(getProvider(provider.id)).toBe(provider);
    expect(getProvider('no-such-gateway')).toBeUndefined();
  });

  it('registers every id PROVIDERS.md names (a gateway added later needs no line here)', () => {
    expect(DOCUMENTED_IDS.filter((id) => !providerIds().includes(id))).toEqual([]);
  });

  it('lists every registered provider in docs/providers.md with a link to its page', () => {
    const index = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'providers.md'), 'utf8');
    for (const id of providerIds()) expect(index).toContain(`(providers/${id}.md)`);
  });

  const signing = allProviders().filter((provider) => provider.sign !== undefined && provider.example !== undefined);

  it.each(signing.map((provider) => [provider.id, provider] as const))('%s: every example it signs passes its own verify', async (_id, provider) => {
    const config = configFor(provider);
    let signedKinds = 0;
    for (const kind of EVENT_KINDS) {
      let body: Buffer;
      try {
        body = provider.example!(kind, NOW);
      } catch {
        continue; // no example for this kind
      }
      const signed = provider.sign!(body, config, NOW);
      const verdict = await provider.verify({ rawBody: signed.body, headers: signed.headers }, config, { now: NOW });
      expect({ kind, verdict }).toEqual({ kind, verdict: expect.objectContaining({ ok: true }) });
      const normalized = provider.normalize({ rawBody: signed.body, headers: signed.headers }, NOW, config);
      expect({ kind, ok: normalized.ok }).toEqual({ kind, ok: true });
      signedKinds++;
    }
    expect(signedKinds).toBeGreaterThan(0);
  });
});
