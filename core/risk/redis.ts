import type { Redis } from 'ioredis';
import type { RiskWindowStore, WindowOp } from './types';

export interface RedisRiskWindowStoreOptions {
  redis: Redis;
  /** Prepended to every key, e.g. `pw:risk:`. */
  prefix?: string;
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

/** The client with the script defined on it (ioredis adds the method at run time). */
type ScriptedRedis = Redis & { slideWindows(numKeys: number, ...args: string[]): Promise<number[]> };

/**
 * Windows in Redis, so every process and every n8n execution sees the same counts.
 * A sliding window is a sorted set scored by time (member = event key or card fingerprint,
 * so a redelivered event or a reused card is not counted twice); a volume bucket is a
 * counter per bucket index. Each call runs as one script or MULTI/EXEC transaction: the trim,
 * add and count of every window happen atomically with respect to other clients.
 */
export class RedisRiskWindowStore implements RiskWindowStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: RedisRiskWindowStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'pw:risk:';
    this.redis.defineCommand('slideWindows', { lua: SLIDE_SCRIPT });
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
    const keys = Array.from({ length: history }, (_, i) => `${this.prefix}b:${key}:${current - history + 1 + i}`);
    const currentKey = keys[keys.length - 1];
    const replies = await exec(
      this.redis
        .multi()
        .incr(currentKey)
        .pexpire(currentKey, bucketMs * (history + 1))
        .mget(...keys),
    );
    return (replies[2] as Array<string | null>).map((count) => Number(count ?? 0));
  }

  /** The Redis client belongs to the caller, which closes it. */
  async close(): Promise<void> {}
}

async function exec(tx: ReturnType<Redis['multi']>): Promise<unknown[]> {
  const results = await tx.exec();
  if (!results) throw new Error('Redis transaction was aborted');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
