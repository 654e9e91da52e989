import type { Redis } from 'ioredis';
import type { RiskWindowStore, WindowOp } from './types';

export interface RedisRiskWindowStoreOptions {
  client: Redis;
  /** Prepended to every key, e.g. `pw:risk:`. */
  keyPrefix?: string;
}

/**
 * Every window op of one call in one script (atomic, like MULTI/EXEC, in one command): per
 * key, trim to the window, add the member if given (refreshing the key's expiry), count.
 * ARGV: the score to add at, then per key the trim cutoff, the window, 1/0 for a member, the member.
 */
const SLIDE_SCRIPT = `
local counts = {}
for i, key in ipairs(KEYS) do
  local at = 2 + (i - 1) * 4
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[at])
  if ARGV[at + 2] == '1' then
    redis.call('ZADD', key, ARGV[1], ARGV[at + 3])
    redis.call('PEXPIRE', key, ARGV[at + 1])
  end
  counts[i] = redis.call('ZCARD', key)
end
return counts
`;

/**
 * A source's volume counts in one hash, a field per bucket index: count one event in the
 * current bucket, keep the key while the source is active, and return the last `history`
 * counts as integers, oldest first. Buckets older than that are dropped once the hash holds
 * twice as many fields as it shows (a source that went quiet expires with its key).
 * ARGV: the current bucket index, history, the key's expiry in ms.
 */
const BUCKET_SCRIPT = `
local current = tonumber(ARGV[1])
local history = tonumber(ARGV[2])
redis.call('HINCRBY', KEYS[1], current, 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local fields = {}
for i = 1, history do fields[i] = current - history + i end
local counts = redis.call('HMGET', KEYS[1], unpack(fields))
for i = 1, history do counts[i] = tonumber(counts[i]) or 0 end
if redis.call('HLEN', KEYS[1]) > 2 * history then
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if tonumber(field) <= current - history then redis.call('HDEL', KEYS[1], field) end
  end
end
return counts
`;

/** The client with the scripts defined on it (ioredis adds the methods at run time). */
type ScriptedRedis = Redis & {
  slideWindows(numKeys: number, ...args: string[]): Promise<number[]>;
  countBucket(key: string, current: string, history: string, expireMs: string): Promise<number[]>;
};

/**
 * Windows in Redis, so every process and every n8n execution sees the same counts.
 * A sliding window is a sorted set scored by time (member = event key or card fingerprint,
 * so a redelivered event or a reused card is not counted twice); volume buckets are one
 * hash per source. Each call runs as one script: the trim, add and count of every window
 * happen atomically with respect to other clients.
 */
export class RedisRiskWindowStore implements RiskWindowStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: RedisRiskWindowStoreOptions) {
    this.redis = options.client;
    this.prefix = options.keyPrefix ?? 'pw:risk:';
    this.redis.defineCommand('slideWindows', { lua: SLIDE_SCRIPT });
    this.redis.defineCommand('countBucket', { numberOfKeys: 1, lua: BUCKET_SCRIPT });
  }

  async slide(ops: WindowOp[], now: number): Promise<number[]> {
    if (ops.length === 0) return [];
    const keys = ops.map(({ key }) => this.prefix + 'w:' + key);
    const args = ops.flatMap(({ windowMs, member }) => [String(now - windowMs), String(windowMs), member === undefined ? '0' : '1', member ?? '']);
    // EVALSHA, falling back to EVAL once when the server does not hold the script yet.
    const counts = await (this.redis as ScriptedRedis).slideWindows(keys.length, ...keys, String(now), ...args);
    return counts.map(Number);
  }

  async bucket(key: string, now: number, bucketMs: number, history: number): Promise<number[]> {
    const current = Math.floor(now / bucketMs);
    return (this.redis as ScriptedRedis).countBucket(`${this.prefix}v:${key}`, String(current), String(history), String(bucketMs * (history + 1)));
  }

  /** The Redis client belongs to the caller, which closes it. */
  async close(): Promise<void> {}
}
