import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

import {
  DEFAULT_RETENTION_MS,
  type ClaimOptions,
  type ClaimResult,
  type CompleteOptions,
  type IdempotencyRecord,
  type IdempotencyStore,
} from './types';

export interface RedisIdempotencyStoreOptions {
  /** An existing client: shared with the caller, who stays responsible for closing it. */
  client?: Redis;
  /** Used when no client is given: the store opens a client of its own and closes it in `close()`. */
  connection?: RedisOptions | string;
  /** Prepended to every key, so several apps or tests can share one Redis. */
  keyPrefix?: string;
}

export const DEFAULT_REDIS_KEY_PREFIX = 'payment-webhooks:idempotency:';

/*
 * One Redis string per idempotency key, whose value says its state:
 *   `claimed:<token>`      with the lease as its TTL (a crashed holder's claim simply expires);
 *   `completed:<json>`     with the retention period as its TTL.
 * Every transition is one atomic step on that key, so no two callers can both win.
 */
const CLAIMED = 'claimed:';
const COMPLETED = 'completed:';

/** How a completed key's value begins, for scripts that tell a completed key from a claim (the runtime's intake). */
export const COMPLETED_VALUE_PREFIX = COMPLETED;

/** The value a claim holds, for writers that take keys in their own scripts (the runtime's batched ingress). */
export function claimedValue(token: string): string {
  return CLAIMED + token;
}

/** The value a completed key holds, in the format `get` and `claim` read. */
export function completedValue(result: unknown, options: { completedAt: number; retentionMs: number }): string {
  const { completedAt, retentionMs } = options;
  const record: StoredCompletion = { result: result ?? null, completedAt, expiresAt: completedAt + retentionMs };
  return COMPLETED + JSON.stringify(record);
}

/** Whether a stored value is a completed record (otherwise a claim). */
export function isCompletedValue(value: string): boolean {
  return value.startsWith(COMPLETED);
}

/** SET NX PX takes the key; when it is taken, answer what holds it in the same step. */
const CLAIM_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
return {0, redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`;

/** Only the holder's exact claim value turns into the completed record. */
const COMPLETE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/** The client with the scripts defined on it (ioredis adds the methods at run time, sent as EVALSHA). */
type ScriptedRedis = Redis & {
  idempotencyClaim(key: string, value: string, leaseMs: number): Promise<[1] | [0, string | null, number]>;
  idempotencyComplete(key: string, claimed: string, completed: string, retentionMs: number): Promise<number>;
  idempotencyRelease(key: string, claimed: string): Promise<number>;
};

interface StoredCompletion {
  result: unknown;
  completedAt: number;
  expiresAt: number;
}

export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly client: ScriptedRedis;
  private readonly ownsClient: boolean;
  private readonly keyPrefix: string;

  constructor(options: RedisIdempotencyStoreOptions) {
    if (options.client) {
      this.client = options.client as ScriptedRedis;
      this.ownsClient = false;
    } else if (options.connection !== undefined) {
      this.client =
        (typeof options.connection === 'string' ? new Redis(options.connection) : new Redis(options.connection)) as ScriptedRedis;
      this.ownsClient = true;
    } else {
      throw new Error('RedisIdempotencyStore needs either a client or connection options');
    }
    this.keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
    // Scripts travel by their SHA after the first call, not as text on every claim.
    this.client.defineCommand('idempotencyClaim', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
    this.client.defineCommand('idempotencyComplete', { numberOfKeys: 1, lua: COMPLETE_SCRIPT });
    this.client.defineCommand('idempotencyRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  }

  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    const token = randomUUID();
    const now = Date.now();
    const reply = await this.client.idempotencyClaim(this.redisKey(key), CLAIMED + token, Math.max(1, Math.ceil(options.leaseMs)));
    if (reply[0] === 1) return { status: 'new', token, leaseExpiresAt: now + options.leaseMs };
    const [, value, ttlMs] = reply;
    const completion = value === null ? undefined : parseCompletion(value);
    if (completion) return { status: 'duplicate', result: completion.result, completedAt: completion.completedAt };
    // Held by another claim: the script ran atomically, so GET and PTTL saw the key SET NX found.
    return { status: 'in_progress', leaseExpiresAt: now + Math.max(0, ttlMs) };
  }

  async complete(key: string, token: string, result: unknown, options: CompleteOptions = {}): Promise<boolean> {
    const retentionMs = Math.max(1, Math.ceil(options.retentionMs ?? DEFAULT_RETENTION_MS));
    const completed = completedValue(result, { completedAt: Date.now(), retentionMs });
    const done = await this.client.idempotencyComplete(this.redisKey(key), CLAIMED + token, completed, retentionMs);
    return done === 1;
  }

  async release(key: string, token: string): Promise<boolean> {
    const done = await this.client.idempotencyRelease(this.redisKey(key), CLAIMED + token);
    return done === 1;
  }

  async get(key: string): Promise<IdempotencyRecord | null> {
    const now = Date.now();
    const replies = await this.client.multi().get(this.redisKey(key)).pttl(this.redisKey(key)).exec();
    const value = replies?.[0]?.[1] as string | null | undefined;
    if (value === null || value === undefined) return null;
    const completion = parseCompletion(value);
    if (completion) return { key, state: 'completed', ...completion };
    const ttlMs = Number(replies?.[1]?.[1] ?? 0);
    return { key, state: 'claimed', leaseExpiresAt: now + Math.max(0, ttlMs) };
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.quit();
  }

  private redisKey(key: string): string {
    return this.keyPrefix + key;
  }
}

function parseCompletion(value: string): StoredCompletion | undefined {
  if (!isCompletedValue(value)) return undefined;
  return JSON.parse(value.slice(COMPLETED.length)) as StoredCompletion;
}
