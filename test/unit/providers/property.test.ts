/**
 * Every registered provider, fed random and mutated requests: verify and normalize never
 * throw, and always answer a typed success or a refusal with a known reason. Normalized
 * events are well-formed canonical events. Inputs mix random bytes, random headers drawn from
 * every gateway's header names, the gateways' real fixtures mutated (truncated, bytes flipped,
 * bytes inserted) and the providers' own signed examples mutated the same way.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { EVENT_KINDS, validateEvent } from '../../../core/event';
import { allProviders } from '../../../core/providers';
import type { HeaderMap, Provider, RefusalReason, SourceConfig } from '../../../core/providers/types';

const NOW = new Date('2026-11-30T12:00:00Z');
const RUNS_PER_PROVIDER = 300;
const REFUSAL_REASONS: readonly RefusalReason[] = [
  'missing_secret',
  'missing_signature',
  'malformed_signature',
  'signature_mismatch',
  'timestamp_outside_tolerance',
  'unknown_key',
  'body_unreadable',
  'certificate_invalid',
  'confirm_failed',
  'confirm_unavailable',
];

/** One config that every provider can read: a 64-hex secret is also valid base64 and UTF-8. */
const CONFIG: SourceConfig = {
  secrets: ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
  toleranceSeconds: 300,
  header: 'x-signature',
  notificationUrl: 'https://example.com/webhooks/square',
  publicKey: 'integration_public_key',
  webhookId: 'WH-0000000000000000',
  apiKey: 'test_api_key',
  site: 'acme-test',
};

/** A gateway API that cannot be reached: providers must turn this into a refusal, never a throw. */
const offline: typeof fetch = async () => {
  throw new Error('network disabled in this test');
};

const HEADER_NAMES = [
  'stripe-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-id', 'svix-timestamp', 'svix-signature',
  'paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo',
  'hmacsignature', 'x-square-hmacsha256-signature', 'x-razorpay-signature', 'x-razorpay-event-id', 'paddle-signature',
  'cko-signature', 'authorization', 'x-mollie-signature', 'x-shopify-hmac-sha256', 'shopify-hmac-sha256', 'x-shopify-topic',
  'x-shopify-webhook-id', 'x-signature', 'x-paystack-signature', 'recurly-signature', 'content-type', 'x-webhook-id',
];

const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.stringMatching(/^[0-9a-f]{0,130}$/),
  fc.base64String({ maxLength: 90 }),
  fc.tuple(fc.integer({ min: 0, max: 2_000_000_000_000 }), fc.stringMatching(/^[0-9a-f]{64}$/)).map(([t, h]) => `t=${t},v1=${h}`),
  fc.tuple(fc.integer({ min: 0, max: 2_000_000_000_000 }), fc.stringMatching(/^[0-9a-f]{64}$/)).map(([t, h]) => `${t},${h}`),
  fc.constantFrom('sha256=', 'v1,', 'Basic Og==', 'Basic dXNlcjpwYXNz', 'https://api.paypal.com/cert.pem', 'SHA256withRSA', 'orders/paid'),
);

const randomHeaders: fc.Arbitrary<HeaderMap> = fc.dictionary(
  fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.string({ minLength: 1, maxLength: 20 })),
  fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 }), fc.constant(undefined)),
  { maxKeys: 8 },
);

function fixturesOf(id: string): Buffer[] {
  const folder = join(__dirname, '..', '..', 'fixtures', id);
  try {
    return readdirSync(folder)
      .filter((name) => !name.endsWith('.md') && statSync(join(folder, name)).isFile())
      .map((name) => readFileSync(join(folder, name)));
  } catch {
    return [];
  }
}

/** The provider's own signed examples: genuine requests, to reach the deeper paths when mutated. */
function signedExamples(provider: Provider): Array<{ body: Buffer; headers: Record<string, string> }> {
  if (provider.sign === undefined || provider.example === undefined) return [];
  const out: Array<{ body: Buffer; headers: Record<string, string> }> = [];
  for (const kind of EVENT_KINDS) {
    try {
      out.push(provider.sign(provider.example(kind, NOW), CONFIG, NOW));
    } catch {
      // This provider has no example for that kind.
    }
  }
  return out;
}

function mutate(bytes: Buffer): fc.Arbitrary<Buffer> {
  const size = Math.max(bytes.length, 1);
  return fc.oneof(
    fc.constant(bytes),
    fc.integer({ min: 0, max: bytes.length }).map((end) => bytes.subarray(0, end)),
    fc.tuple(fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
      const copy = Buffer.from(bytes);
      if (copy.length > 0) copy[at % copy.length] = value;
      return copy;
    }),
    fc.tuple(fc.integer({ min: 0, max: bytes.length }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, extra]) =>
      Buffer.concat([bytes.subarray(0, at), Buffer.from(extra), bytes.subarray(at)]),
    ),
  );
}

const randomBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.json({ maxDepth: 4 }).map((text) => Buffer.from(text)),
  fc.dictionary(fc.constantFrom('id', 'type', 'event', 'events', 'data', 'meta', 'object_type', 'event_type', 'notificationItems', 'resource_type', 'action'), fc.jsonValue({ maxDepth: 3 }))
    .map((object) => Buffer.from(JSON.stringify(object))),
  fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 80 })).map(([a, b]) => Buffer.from(`id=${a}&bt_signature=${a}&bt_payload=${b}`)),
);

function requestsFor(provider: Provider): fc.Arbitrary<{ rawBody: Buffer; headers: HeaderMap }> {
  const fixtures = fixturesOf(provider.id);
  const examples = signedExamples(provider);
  const bodies = fc.oneof(randomBody, ...fixtures.map(mutate), ...examples.map((example) => mutate(example.body)));
  const random = fc.record({ rawBody: bodies, headers: randomHeaders });
  if (examples.length === 0) return random;
  const signed = fc
    .tuple(fc.constantFrom(...examples), randomHeaders, fc.boolean())
    .chain(([example, noise, keepBody]) =>
      (keepBody ? fc.constant(example.body) : mutate(example.body)).map((rawBody) => ({ rawBody, headers: { ...noise, ...example.headers } })),
    );
  return fc.oneof(random, signed);
}

function expectTypedVerify(result: unknown): void {
  expect(result).toEqual(expect.objectContaining({ ok: expect.any(Boolean) }));
  const typed = result as { ok: boolean; reason?: string; detail?: unknown };
  if (typed.ok) return;
  expect(REFUSAL_REASONS).toContain(typed.reason);
  expect(typeof typed.detail).toBe('string');
}

function expectTypedNormalize(result: unknown): void {
  const typed = result as { ok: boolean; events?: unknown[]; reason?: string; detail?: unknown };
  if (!typed.ok) {
    expect(typed.reason).toBe('malformed_body');
    expect(typeof typed.detail).toBe('string');
    return;
  }
  expect(Array.isArray(typed.events)).toBe(true);
  for (const event of typed.events ?? []) {
    const validation = validateEvent(event);
    if (!validation.ok) throw new Error(`malformed event: ${validation.errors.join('; ')}`);
  }
}

describe.each(allProviders().map((provider) => [provider.id, provider] as const))('%s under random and mutated requests', (_id, provider) => {
  it('verify and normalize never throw and answer typed results', async () => {
    await fc.assert(
      fc.asyncProperty(requestsFor(provider), async (request) => {
        expectTypedVerify(await provider.verify(request, CONFIG, { now: NOW, fetch: offline }));
        expectTypedNormalize(provider.normalize(request, NOW, CONFIG));
      }),
      { numRuns: RUNS_PER_PROVIDER, seed: 20261130 },
    );
  });
});
