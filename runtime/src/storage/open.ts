import { resolve } from 'node:path';
import { connectionFailure } from '../connection-failure';
import { storageLabel, StorageRefusal, StorageUnavailableError } from './location';
import type { RuntimeStorage } from './types';

export interface OpenStorageOptions {
  /** Redis key prefix, so several runtimes (or test suites) can share one Redis. */
  prefix?: string;
  /** The configured destinations, so the backlog covers every queue from the start. */
  destinations?: readonly string[];
  /** SQLite: how long a write waits for a lock held elsewhere before failing (then ingress answers 503). */
  busyTimeoutMs?: number;
  /** How long ingress gives one durable write (Redis: an event's key is held twice that while it is stored, and opening waits this long at most for Redis to answer). */
  storeTimeoutMs?: number;
}

/** Opens the storage a config's `storage` value names: `sqlite:PATH` or `redis://…`. */
export async function openStorage(location: string, options: OpenStorageOptions = {}): Promise<RuntimeStorage> {
  const sqlite = location.startsWith('sqlite:');
  try {
    if (sqlite) {
      const { SqliteStorage } = await import('./sqlite');
      const path = location.slice('sqlite:'.length);
      return new SqliteStorage(path === ':memory:' ? path : resolve(path), { busyTimeoutMs: options.busyTimeoutMs });
    }
    const { RedisStorage } = await import('./redis');
    return await RedisStorage.open(location, options);
  } catch (error) {
    // The storage's own refusals (a Redis too old, queues of an earlier version) already say what to do.
    if (error instanceof StorageRefusal) throw error;
    const cause = connectionFailure(error);
    throw new StorageUnavailableError(`cannot open the storage ${storageLabel(location)} (${cause}): ${sqlite ? sqliteCheck(cause) : 'is Redis running and reachable there?'}`, { cause: error });
  }
}

/** What to check when the SQLite file cannot be opened, by the failure's code. */
function sqliteCheck(cause: string): string {
  if (cause === 'SQLITE_NOTADB' || cause === 'SQLITE_CORRUPT') return 'is that file a database this runtime wrote? Point `storage` at a new path to start an empty one.';
  if (cause === 'SQLITE_BUSY') return 'is another process using the file? SQLite mode is for one process; use Redis mode to run several.';
  return 'does its directory exist, and may this user write there?';
}
