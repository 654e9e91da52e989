import type { Redis } from 'ioredis';
import type { RiskWindowStore, WindowOp } from './types';

export interface RedisRiskWindowStoreOptions {
  redis: Redis;
  /** Prepended to every key, e.g. `pw:risk:`. */
  prefix?: string;
}

/**
 * Windows in Redis, so every process and every n8n execution sees the same counts.
 * A sliding window is a sorted set scored by time (member = event key or card fingerprint,
 * so a redelivered event or a reused card is not counted twice); a volume bucket is a
 * counter per bucket index. Each call runs as one MULTI/EXEC transaction: the trim, add and
 * count of every window happen atomically with respect to other clients.
 */
export class RedisRiskWindowStore implements RiskWindowStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: RedisRiskWindowStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'pw:risk:';
  }

  async slide(ops: WindowOp[], now: number): Promise<number[]> {
    if (ops.length === 0) return [];
    const tx = this.redis.multi();
    for (const { key, windowMs, member } of ops) {
      const fullKey = this.prefix + 'w:' + key;
      tx.zremrangebyscore(fullKey, '-inf', now - windowMs);
      if (member !== undefined) {
        tx.zadd(fullKey, now, member);
        tx.pexpire(fullKey, windowMs);
      }
      tx.zcard(fullKey);
    }
    const replies = await exec(tx);
    // Each op ends with its ZCARD; pick those replies out in order.
    const counts: number[] = [];
    let index = 0;
    for (const op of ops) {
      index += op.member !== undefined ? 3 : 1;
      counts.push(Number(replies[index]));
      index += 1;
    }
    return counts;
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
