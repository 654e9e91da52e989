import { Redis } from 'ioredis';
import type { PaymentEvent } from '../../core/event';
import { RedisStorage } from '../../runtime/src/storage/redis';
import { jobKey, queueKeys, readyEntry } from '../../runtime/src/storage/redis-queue';
import type { DeliveryJob } from '../../runtime/src/storage/types';
import { startRedisServer, type TestRedis } from '../support/redis-server';

/**
 * What a Redis-mode delivery reads of its job: the facts from the job's first line and the
 * event's JSON as it was stored, byte for byte, with the event itself parsed only when read.
 * Jobs stored by earlier versions (the event's JSON alone) are still delivered after an upgrade.
 */
jest.setTimeout(30_000);

const PREFIX = 'job-value-test';
let redis: TestRedis;
let client: Redis;
beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: false });
  client = new Redis(redis.url);
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

function event(id: string): PaymentEvent {
  const at = '2026-12-07T10:00:00.000Z';
  // A line break and text beyond ASCII inside the payload: the facts line must end where it ends.
  const raw = { id, description: 'line one\nline two', customer: 'Zoë Ünal' };
  return { id, provider: 'stripe', type: 'payment_intent.succeeded', kind: 'payment.succeeded', occurredAt: at, receivedAt: at, idempotencyKey: `stripe:${id}`, raw };
}

/** Opens a storage, delivers `count` jobs to `handler`, and closes it. */
async function deliver(count: number, handler: (job: DeliveryJob) => void, store?: (storage: RedisStorage) => Promise<void>): Promise<void> {
  const storage = await RedisStorage.open(`${redis.url}?prefix=${PREFIX}`, { destinations: ['receipts'] });
  try {
    await store?.(storage);
    let seen = 0;
    await new Promise<void>((done) => {
      void storage.consume({
        concurrency: { receipts: 4 },
        handler: async (job) => {
          handler(job);
          if (++seen === count) done();
          return { status: 'done' };
        },
      });
    });
    // Stopping waits for the outcomes to be written: every job is finished and gone.
    await storage.stopConsuming();
    expect(await storage.backlog()).toBe(0);
  } finally {
    await storage.close();
  }
}

it("hands a delivery the event's facts and its stored JSON unchanged, and parses the event only when it is read", async () => {
  const events = [event('evt_job_1'), event('evt_job_2')];
  const jobs: DeliveryJob[] = [];
  await deliver(2, (job) => jobs.push(job), async (storage) => {
    for (const stored of events) expect(await storage.accept(stored, ['receipts'], async () => 'standard')).toBe('accepted');
  });

  jobs.sort((a, b) => a.facts!.idempotencyKey.localeCompare(b.facts!.idempotencyKey));
  expect(jobs.map((job) => job.facts)).toEqual(
    events.map(({ idempotencyKey, provider, kind, occurredAt }) => ({ idempotencyKey, provider, kind, occurredAt })),
  );
  expect(jobs.map((job) => job.body)).toEqual(events.map((stored) => JSON.stringify(stored)));
  // The event stays unparsed until read (a dead letter reads it), then is the stored event.
  expect(Object.getOwnPropertyDescriptor(jobs[0], 'event')?.get).toBeDefined();
  expect(jobs[0].event).toEqual(events[0]);
  expect(jobs[0].event).toBe(jobs[0].event);
});

it('delivers a job stored before the facts line existed (the event JSON alone), after an upgrade', async () => {
  const earlier = event('evt_job_earlier');
  const { member, score } = readyEntry({ lane: 'standard', storedAt: Date.now(), jobId: `${earlier.idempotencyKey}|receipts` });
  await client.set(jobKey(PREFIX, `${earlier.idempotencyKey}|receipts`), JSON.stringify(earlier));
  await client.zadd(queueKeys(PREFIX, 'receipts').ready, score, member);

  const jobs: DeliveryJob[] = [];
  await deliver(1, (job) => jobs.push(job));

  expect(jobs).toHaveLength(1);
  expect(jobs[0].facts).toEqual({ idempotencyKey: earlier.idempotencyKey, provider: 'stripe', kind: 'payment.succeeded', occurredAt: earlier.occurredAt });
  expect(jobs[0].body).toBe(JSON.stringify(earlier));
  expect(jobs[0].event).toEqual(earlier);
  expect(await client.exists(jobKey(PREFIX, `${earlier.idempotencyKey}|receipts`))).toBe(0);
});
