export * from './types';
export { MemoryIdempotencyStore, type MemoryIdempotencyStoreOptions } from './memory';
export { RedisIdempotencyStore, DEFAULT_REDIS_KEY_PREFIX, type RedisIdempotencyStoreOptions } from './redis';
export {
  SqliteIdempotencyStore,
  type SqliteDatabase,
  type SqliteStatement,
  type SqliteIdempotencyStoreOptions,
} from './sqlite';
