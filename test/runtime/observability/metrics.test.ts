import { join } from 'node:path';
import {
  postWebhook,
  redisStorage,
  startDestination,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from '../support/harness';
import type { Runtime } from '../../../runtime/src/runtime';
import { observedConfig, sample, scrape, startObserved } from './support';

/**
 * GET /metrics after a known mix of traffic: every counter at the exact value the mix
 * implies, the histograms counting what they should, and queue depth per lane.
 */
jest.setTimeout(60_000);

const dir = tempDir();
afterAll(() => dir.remove());

describe('counters after a known mix (SQLite)', () => {
  let good: Destination;
  let failing: Destination;
  let runtime: Runtime;
  let url: string;

  beforeAll(async () => {
    good = await startDestination(() => 200);
    failing = await startDestination(() => 500);
    const config = observedConfig({
      storage: `sqlite:${join(dir.path, 'metrics.db')}`,
      destinationUrl: good.url,
      extraDestinations: { failing: failing.url },
      retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 },
    });
    ({ runtime, url } = await startObserved(config));
  });
  afterAll(async () => {
    await runtime.close();
    await good.close();
    await failing.close();
  });

  it('counts received, verified, refused by reason, duplicates, stored, delivered, retried and dead-lettered exactly', async () => {
    const valid = [stripeEventBody(), stripeEventBody(), stripeEventBody()];
    for (const body of valid) expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
    // A gateway retry of the first one.
    expect((await postWebhook(url, 'stripe', valid[0], stripeSigned(valid[0]))).status).toBe(200);
    // Forged: signed with another secret; tampered after signing; no signature at all.
    const forged = stripeEventBody();
    expect((await postWebhook(url, 'stripe', forged, stripeSigned(forged, 'whsec_not_the_endpoint_secret'))).status).toBe(401);
    const tampered = stripeEventBody();
    expect((await postWebhook(url, 'stripe', tampered.replace('"amount":2000', '"amount":1'), stripeSigned(tampered))).status).toBe(401);
    expect((await postWebhook(url, 'stripe', forged, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await postWebhook(url, 'nope', forged, stripeSigned(forged))).status).toBe(404);

    // 3 events × 3 attempts at the failing destination, 3 deliveries at the good one.
    await waitFor(async () => sample(await scrape(url), 'payment_webhooks_events_dead_lettered_total', { destination: 'failing' }) === 3, 'three dead letters');
    await waitFor(async () => sample(await scrape(url), 'payment_webhooks_events_delivered_total', { destination: 'n8n' }) === 3, 'three deliveries');
    const text = await scrape(url);
    const expected: Array<[string, Record<string, string>, number]> = [
      ['payment_webhooks_events_received_total', { source: 'stripe' }, 7],
      ['payment_webhooks_events_verified_total', { source: 'stripe' }, 4],
      ['payment_webhooks_events_refused_total', { source: 'stripe', reason: 'signature_mismatch' }, 2],
      ['payment_webhooks_events_refused_total', { source: 'stripe', reason: 'missing_signature' }, 1],
      ['payment_webhooks_events_refused_total', { source: 'unknown', reason: 'unknown_source' }, 1],
      ['payment_webhooks_events_duplicates_total', { source: 'stripe' }, 1],
      ['payment_webhooks_events_stored_total', { source: 'stripe' }, 3],
      ['payment_webhooks_events_delivered_total', { destination: 'n8n' }, 3],
      ['payment_webhooks_events_delivered_total', { destination: 'failing' }, 0],
      ['payment_webhooks_delivery_retries_total', { destination: 'n8n' }, 0],
      ['payment_webhooks_delivery_retries_total', { destination: 'failing' }, 6],
      ['payment_webhooks_events_dead_lettered_total', { destination: 'n8n' }, 0],
      ['payment_webhooks_events_dead_lettered_total', { destination: 'failing' }, 3],
      ['payment_webhooks_dead_letters_open', {}, 3],
      ['payment_webhooks_ack_duration_seconds_count', { source: 'stripe', outcome: 'accepted' }, 3],
      ['payment_webhooks_ack_duration_seconds_count', { source: 'stripe', outcome: 'duplicate' }, 1],
      ['payment_webhooks_end_to_end_latency_seconds_count', { destination: 'n8n' }, 3],
      ['payment_webhooks_delivery_attempt_duration_seconds_count', { destination: 'failing', result: 'retry' }, 6],
      ['payment_webhooks_delivery_attempt_duration_seconds_count', { destination: 'failing', result: 'dead_letter' }, 3],
    ];
    for (const [name, labels, value] of expected) expect({ name, labels, value: sample(text, name, labels) }).toEqual({ name, labels, value });
    // What the destinations saw agrees with the counters.
    expect(good.accepted().size).toBe(3);
    expect(failing.received).toHaveLength(9);
    // Nothing is left queued once everything is delivered or dead-lettered (the last rows are marked just after).
    await waitFor(async () => !/^payment_webhooks_queue_depth\{/m.test(await scrape(url)), 'an empty queue');
  });

  it('keeps each runtime in a registry of its own', async () => {
    const other = await startObserved(
      observedConfig({ storage: `sqlite:${join(dir.path, 'other.db')}`, destinationUrl: good.url }),
    );
    try {
      const text = await scrape(other.url);
      expect(sample(text, 'payment_webhooks_events_received_total', { source: 'stripe' })).toBe(0);
      expect(sample(text, 'payment_webhooks_events_delivered_total', { destination: 'n8n' })).toBe(0);
    } finally {
      await other.runtime.close();
    }
  });
});

describe.each([
  ['sqlite', () => `sqlite:${join(dir.path, 'lanes.db')}`],
  ['redis', () => redisStorage()],
] as const)('queue depth and oldest age per lane, risk alarms (%s)', (_mode, storage) => {
  it('reports what waits in each lane and the risk signals that fired', async () => {
    // Ingress only: nothing consumes, so the queue holds exactly what was sent.
    const destination = await startDestination();
    const { runtime, url } = await startObserved(observedConfig({ storage: storage(), destinationUrl: destination.url }), { role: 'ingress' });
    try {
      const bodies = [2000, 2500, 500_000].map((amount) => stripeEventBody(undefined, amount));
      // A charge Stripe's Radar scored 90: core/risk's provider.score signal fires and sends it to review.
      const risky = JSON.parse(stripeEventBody());
      risky.type = 'charge.succeeded';
      risky.data.object = { id: 'ch_risky', object: 'charge', amount: 1500, currency: 'usd', paid: true, status: 'succeeded', outcome: { type: 'authorized', risk_score: 90 } };
      for (const body of [...bodies, JSON.stringify(risky)]) {
        expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
      }
      const text = await scrape(url);
      expect(sample(text, 'payment_webhooks_queue_depth', { destination: 'n8n', lane: 'standard' })).toBe(2);
      expect(sample(text, 'payment_webhooks_queue_depth', { destination: 'n8n', lane: 'priority' })).toBe(1);
      expect(sample(text, 'payment_webhooks_queue_depth', { destination: 'n8n', lane: 'review' })).toBe(1);
      // The risk alarm is counted; amount.high only picked the priority lane and is not an alarm.
      expect(sample(text, 'payment_webhooks_risk_alarms_total', { source: 'stripe', signal: 'provider.score' })).toBe(1);
      expect(text).not.toMatch(/payment_webhooks_risk_alarms_total\{[^}]*amount\.high/);
      const age = sample(text, 'payment_webhooks_queue_oldest_age_seconds', { destination: 'n8n', lane: 'standard' });
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(60);
    } finally {
      await runtime.close();
      await destination.close();
    }
  });
});
