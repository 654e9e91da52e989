import { Redis } from 'ioredis';
import type { PaymentEvent } from '../../core/event';
import { EXPIRE_SECONDS, KEEP_SECONDS } from '../../runtime/src/insights/redis-log';
import { RedisStorage } from '../../runtime/src/storage/redis';
import { commandsDuring } from '../support/redis-commands';
import { startRedisServer, type TestRedis } from '../support/redis-server';

/**
 * Redis mode's insights copy: each stored event gets an entry in its day's hash, and the hash
 * gets its expiry once, from the script that creates it, long enough to outlast its day by
 * KEEP_SECONDS. Counted on a server of this file's own (INFO commandstats).
 */
jest.setTimeout(30_000);

let redis: TestRedis;
let storage: RedisStorage;
beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: false });
  storage = await RedisStorage.open(`${redis.url}?prefix=insights-test`, { destinations: ['receipts'] });
});
afterAll(async () => {
  await storage.close();
  await redis.stop();
});

function event(id: string): PaymentEvent {
  const at = new Date().toISOString();
  return { id, provider: 'stripe', type: 'payment_intent.succeeded', kind: 'payment.succeeded', occurredAt: at, receivedAt: at, idempotencyKey: `stripe:${id}`, raw: { id } };
}

it("sets the day's expiry when the first batch creates the hash, and not on later writes", async () => {
  const client = new Redis(redis.url);
  try {
    const store = (ids: string[]) => Promise.all(ids.map((id) => storage.accept(event(id), ['receipts'], async () => 'standard')));
    const commands = await commandsDuring(client, async () => {
      // Two turns of events: the first creates the day's hash, the second only adds to it.
      expect(await store(['evt_1', 'evt_2', 'evt_3'])).toEqual(['accepted', 'accepted', 'accepted']);
      expect(await store(['evt_4', 'evt_5'])).toEqual(['accepted', 'accepted']);
    });
    expect(commands.hsetnx).toBe(5);
    expect(commands.expire).toBe(1);

    const [key] = await client.keys('insights-test:insights:*');
    expect(await client.hlen(key)).toBe(5);
    const ttl = await client.ttl(key);
    expect(ttl).toBeGreaterThan(KEEP_SECONDS + 23 * 60 * 60);
    expect(ttl).toBeLessThanOrEqual(EXPIRE_SECONDS);
  } finally {
    client.disconnect();
  }
});
