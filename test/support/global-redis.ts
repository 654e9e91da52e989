import { startRedisServer, type TestRedis } from './redis-server';

/**
 * Jest global setup: one redis-server for the whole run, shared through REDIS_URL
 * (each suite uses its own key prefix). A REDIS_URL already set is used as it is.
 */
declare global {
  // eslint-disable-next-line no-var
  var __TEST_REDIS__: TestRedis | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) return;
  const redis = await startRedisServer();
  globalThis.__TEST_REDIS__ = redis;
  process.env.REDIS_URL = redis.url;
}
