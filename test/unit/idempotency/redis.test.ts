import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

import { RedisIdempotencyStore } from '../../../core/idempotency';
import { idempotencyContract } from './contract';

const redisUrl = () => {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests through jest so its global setup starts Redis');
  return url;
};

// Every open() is its own ioredis connection; the key prefix keeps this file's keys apart.
idempotencyContract('redis', async () => {
  const keyPrefix = `test:idempotency:${randomUUID()}:`;
  return { open: async () => new RedisIdempotencyStore({ connection: redisUrl(), keyPrefix }) };
});

describe('RedisIdempotencyStore connections', () => {
  it('leaves a client it was given open, and quits one it created', async () => {
    const shared = new Redis(redisUrl());
    const keyPrefix = `test:idempotency:${randomUUID()}:`;
    const borrowing = new RedisIdempotencyStore({ client: shared, keyPrefix });
    await borrowing.claim('k', { leaseMs: 10_000 });
    await borrowing.close();
    expect(shared.status).toBe('ready');
    expect(await shared.exists(`${keyPrefix}k`)).toBe(1);
    await shared.quit();

    const owning = new RedisIdempotencyStore({ connection: redisUrl(), keyPrefix });
    expect(await owning.get('k')).toMatchObject({ state: 'claimed' });
    await owning.close();
    await expect(owning.get('k')).rejects.toThrow();
  });
});
