import { resolve } from 'node:path';
import type { RuntimeStorage } from './types';

export interface OpenStorageOptions {
  /** Redis key prefix, so several runtimes (or test suites) can share one Redis. */
  prefix?: string;
  /** The configured destinations, so the backlog covers every queue from the start. */
  destinations?: readonly string[];
  /** SQLite: how long a write waits for a lock held elsewhere before failing (then ingress answers 503). */
  busyTimeoutMs?: number;
  /** How long ingress gives one durable write (Redis: an event's key is held twice that while it is stored). */
  storeTimeoutMs?: number;
}

/** Opens the storage a config's `storage` value names: `sqlite:PATH` or `redis://…`. */
export async function openStorage(location: string, options: OpenStorageOptions = {}): Promise<RuntimeStorage> {
  if (location.startsWith('sqlite:')) {
    const { SqliteStorage } = await import('./sqlite');
    const path = location.slice('sqlite:'.length);
    return new SqliteStorage(path === ':memory:' ? path : resolve(path), { busyTimeoutMs: options.busyTimeoutMs });
  }
  const { RedisStorage } = await import('./redis');
  return RedisStorage.open(location, options);
}
