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

/** Stores each event as ingress does: each is new. */
async function acceptAll(storage: RedisStorage, events: PaymentEvent[]): Promise<void> {
  for (const stored of events) expect(await storage.accept(stored, ['receipts'], async () => 'standard')).toBe('accepted');
}

/**
 * Opens a storage, runs `store`, delivers `count` jobs to `handler`, and closes it. With `keep`,
 * the storage is already delivering (another destination's queue) while `store` runs, so it
 * keeps the values it stores, as a runtime that ingests and delivers does.
 */
async function deliver(
  count: number,
  handler: (job: DeliveryJob) => void,
  store?: (storage: RedisStorage) => Promise<void>,
  options: { keep?: boolean } = {},
): Promise<void> {
  const storage = await RedisStorage.open(`${redis.url}?prefix=${PREFIX}`, { destinations: ['receipts'] });
  try {
    if (options.keep) await storage.consume({ concurrency: { elsewhere: 1 }, handler: async () => ({ status: 'done' }) });
    await store?.(storage);
    if (options.keep) await storage.stopConsuming();
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
  await deliver(2, (job) => jobs.push(job), (storage) => acceptAll(storage, events));

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

/** How many times Redis ran each command since the last reset (inside scripts included). */
async function commandCalls(): Promise<Record<string, number>> {
  const stats = await client.info('commandstats');
  return Object.fromEntries([...stats.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)].map(([, name, calls]) => [name, Number(calls)]));
}

/**
 * A storage that keeps what it stores stores `events`, then delivers `count` jobs into `jobs`;
 * Redis counts the commands of the deliveries alone (commandCalls).
 */
async function deliverCounted(count: number, jobs: DeliveryJob[], events: PaymentEvent[]): Promise<void> {
  const store = async (storage: RedisStorage) => {
    await acceptAll(storage, events);
    await client.config('RESETSTAT');
  };
  await deliver(count, (job) => jobs.push(job), store, { keep: true });
}

it('delivers a job this process stored from the value it kept, without reading the value back from Redis', async () => {
  const events = [event('evt_kept_1'), event('evt_kept_2'), event('evt_kept_3')];
  const jobs: DeliveryJob[] = [];
  await deliverCounted(3, jobs, events);

  const calls = await commandCalls();
  expect(calls.exists).toBeGreaterThan(0);
  expect(calls.mget ?? 0).toBe(0);
  expect(jobs.map((job) => job.body).sort()).toEqual(events.map((stored) => JSON.stringify(stored)).sort());
});

it('reads from Redis the values of jobs another process stored, beside those this one kept', async () => {
  const elsewhere = [event('evt_elsewhere_1'), event('evt_elsewhere_2')];
  const here = [event('evt_here_1'), event('evt_here_2')];
  const other = await RedisStorage.open(`${redis.url}?prefix=${PREFIX}`, { destinations: ['receipts'] });
  try {
    await acceptAll(other, elsewhere);
  } finally {
    await other.close();
  }

  const jobs: DeliveryJob[] = [];
  await deliverCounted(4, jobs, here);

  // One read, in a call of its own, for the two values this process does not keep.
  expect((await commandCalls()).mget).toBe(1);
  expect(jobs.map((job) => job.body).sort()).toEqual([...elsewhere, ...here].map((stored) => JSON.stringify(stored)).sort());
});

it('does not deliver a job whose value this process kept once the job is gone from Redis', async () => {
  const [gone, kept] = [event('evt_gone'), event('evt_still_here')];
  const jobs: DeliveryJob[] = [];
  await deliver(
    1,
    (job) => jobs.push(job),
    async (storage) => {
      await acceptAll(storage, [gone, kept]);
      // Finished elsewhere, say: the job's key is removed while its member still waits in the queue.
      await client.del(jobKey(PREFIX, `${gone.idempotencyKey}|receipts`));
    },
    { keep: true },
  );

  expect(jobs.map((job) => job.body)).toEqual([JSON.stringify(kept)]);
});
