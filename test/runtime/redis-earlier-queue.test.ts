import Bull from 'bull';
import { RedisStorage } from '../../runtime/src/storage/redis';
import { startRedisServer, type TestRedis } from '../support/redis-server';

/**
 * An upgrade never strands deliveries: a runtime from before the batched Redis queue left its
 * deliveries in Bull queues (`deliver:<destination>`, real Bull here), which this version does
 * not read, so it refuses to start, naming them, until they are drained.
 */
jest.setTimeout(30_000);

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: false });
});
afterAll(() => redis.stop());

it('refuses to start over deliveries an earlier runtime queued in Bull, and starts once they are drained', async () => {
  const prefix = 'upgrade-test';
  const earlier = new Bull('deliver:receipts', redis.url, { prefix });
  await earlier.add({ eventKey: 'stripe:evt_before_upgrade', destination: 'receipts' }, { jobId: 'stripe:evt_before_upgrade|receipts' });
  await earlier.add({ eventKey: 'stripe:evt_retrying', destination: 'receipts' }, { jobId: 'stripe:evt_retrying|receipts', delay: 60_000 });

  await expect(RedisStorage.open(`${redis.url}?prefix=${prefix}`, { destinations: ['receipts'] })).rejects.toThrow(
    /earlier version of the runtime.*"upgrade-test": deliver:receipts \(2\)/,
  );

  await earlier.empty();
  await (await earlier.getJob('stripe:evt_retrying|receipts'))?.remove();
  const storage = await RedisStorage.open(`${redis.url}?prefix=${prefix}`, { destinations: ['receipts'] });
  await storage.close();
  await earlier.close();
});

it('starts beside another prefix\'s Bull queues', async () => {
  const other = new Bull('deliver:receipts', redis.url, { prefix: 'another-runtime' });
  await other.add({ eventKey: 'stripe:evt_other' });
  const storage = await RedisStorage.open(`${redis.url}?prefix=this-runtime`, { destinations: ['receipts'] });
  await storage.close();
  await other.close();
});
