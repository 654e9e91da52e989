import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { dedupeKey, matchesFilter, newRecord, parseInstant } from './records';
import type { DeadLetterFilter, DeadLetterRecord, DeadLetterStatus, DeadLetterStore, NewDeadLetter } from './types';

export interface RedisDeadLetterStoreOptions {
  /** The caller's client; the caller closes it. */
  redis: Redis;
  /** Prepended to every key; the runtime in Redis mode and the Dead Letter node must use the same one. */
  prefix?: string;
  now?: () => Date;
}

export const DEFAULT_DEAD_LETTER_PREFIX = 'payment-webhooks:dead-letters:';

/*
 * Layout, under the prefix:
 *   rec:<id>   a hash: `fixed` (JSON of what never changes), `error` (JSON), `attempts`,
 *              `lastFailedAt`, `lastFailedAtMs`, `status`, `history` (JSON array), `dedupe`
 *   by-time    a sorted set of ids scored by lastFailedAt in ms (lists, time filters, purge)
 *   open       a hash: dedupe key -> id of the open record for that event and place
 * Every change is one Lua script, so the runtime's processes and n8n executions can add and
 * change records at once without losing an attempt or a status change.
 */

/** ARGV: prefix, dedupe, id, fixed, error, attempts, failedAt, failedAtMs, historyEntry */
const ADD_SCRIPT = `
local prefix = ARGV[1]
local id = redis.call('HGET', prefix .. 'open', ARGV[2])
if id and redis.call('EXISTS', prefix .. 'rec:' .. id) == 1 then
  local key = prefix .. 'rec:' .. id
  redis.call('HINCRBY', key, 'attempts', ARGV[6])
  if tonumber(ARGV[8]) >= tonumber(redis.call('HGET', key, 'lastFailedAtMs')) then
    redis.call('HSET', key, 'lastFailedAt', ARGV[7], 'lastFailedAtMs', ARGV[8], 'error', ARGV[5])
    redis.call('ZADD', prefix .. 'by-time', ARGV[8], id)
  end
  return id
end
redis.call('HSET', prefix .. 'rec:' .. ARGV[3], 'fixed', ARGV[4], 'error', ARGV[5], 'attempts', ARGV[6],
  'lastFailedAt', ARGV[7], 'lastFailedAtMs', ARGV[8], 'status', 'open', 'history', '[' .. ARGV[9] .. ']', 'dedupe', ARGV[2])
redis.call('HSET', prefix .. 'open', ARGV[2], ARGV[3])
redis.call('ZADD', prefix .. 'by-time', ARGV[8], ARGV[3])
return ARGV[3]`;

/** ARGV: prefix, id, status, historyEntry. Keeps the open index pointing at open records only. */
const SET_STATUS_SCRIPT = `
local key = ARGV[1] .. 'rec:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return 0 end
local history = redis.call('HGET', key, 'history')
redis.call('HSET', key, 'status', ARGV[3], 'history', string.sub(history, 1, -2) .. ',' .. ARGV[4] .. ']')
local dedupe = redis.call('HGET', key, 'dedupe')
if ARGV[3] == 'open' then
  redis.call('HSETNX', ARGV[1] .. 'open', dedupe, ARGV[2])
elseif redis.call('HGET', ARGV[1] .. 'open', dedupe) == ARGV[2] then
  redis.call('HDEL', ARGV[1] .. 'open', dedupe)
end
return 1`;

/** ARGV: prefix, cutoffMs (exclusive). */
const PURGE_SCRIPT = `
local prefix = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', prefix .. 'by-time', '-inf', '(' .. ARGV[2])
for _, id in ipairs(ids) do
  local key = prefix .. 'rec:' .. id
  local dedupe = redis.call('HGET', key, 'dedupe')
  if dedupe and redis.call('HGET', prefix .. 'open', dedupe) == id then redis.call('HDEL', prefix .. 'open', dedupe) end
  redis.call('DEL', key)
  redis.call('ZREM', prefix .. 'by-time', id)
end
return #ids`;

type Fixed = Omit<DeadLetterRecord, 'error' | 'attempts' | 'lastFailedAt' | 'status' | 'history'>;

/** Reads records this many at a time while listing, so a small limit stops early. */
const LIST_BATCH = 100;

export class RedisDeadLetterStore implements DeadLetterStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly now: () => Date;

  constructor(options: RedisDeadLetterStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? DEFAULT_DEAD_LETTER_PREFIX;
    this.now = options.now ?? (() => new Date());
  }

  async add(entry: NewDeadLetter): Promise<DeadLetterRecord> {
    const fresh = newRecord(entry, randomUUID(), this.now());
    const { error, attempts, lastFailedAt, status: _status, history, ...fixed } = fresh;
    const id = (await this.redis.eval(
      ADD_SCRIPT,
      0,
      this.prefix,
      dedupeKey(entry),
      fresh.id,
      JSON.stringify(fixed),
      JSON.stringify(error),
      attempts,
      lastFailedAt,
      Date.parse(lastFailedAt),
      JSON.stringify(history[0]),
    )) as string;
    return (await this.get(id))!;
  }

  async get(id: string): Promise<DeadLetterRecord | null> {
    return this.decode(await this.redis.hgetall(this.recordKey(id)));
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterRecord[]> {
    const max = filter.to ? parseInstant(filter.to, 'to') : '+inf';
    const min = filter.from ? parseInstant(filter.from, 'from') : '-inf';
    const ids = await this.redis.zrevrangebyscore(this.prefix + 'by-time', max, min);
    const found: DeadLetterRecord[] = [];
    const limit = filter.limit ?? Infinity;
    for (let start = 0; start < ids.length && found.length < limit; start += LIST_BATCH) {
      const pipeline = this.redis.pipeline();
      for (const id of ids.slice(start, start + LIST_BATCH)) pipeline.hgetall(this.recordKey(id));
      for (const [error, hash] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        const record = this.decode(hash as Record<string, string>);
        if (record && matchesFilter(record, filter) && found.length < limit) found.push(record);
      }
    }
    return found;
  }

  async setStatus(id: string, status: DeadLetterStatus, note?: string): Promise<DeadLetterRecord | null> {
    const entry = JSON.stringify({ at: this.now().toISOString(), status, ...(note ? { note } : {}) });
    const changed = await this.redis.eval(SET_STATUS_SCRIPT, 0, this.prefix, id, status, entry);
    return changed ? this.get(id) : null;
  }

  async purge(before: string): Promise<number> {
    return Number(await this.redis.eval(PURGE_SCRIPT, 0, this.prefix, parseInstant(before, 'before')));
  }

  /** The Redis client belongs to the caller, which closes it. */
  async close(): Promise<void> {}

  private recordKey(id: string): string {
    return `${this.prefix}rec:${id}`;
  }

  private decode(hash: Record<string, string>): DeadLetterRecord | null {
    if (!hash.fixed) return null;
    const fixed = JSON.parse(hash.fixed) as Fixed;
    return {
      ...fixed,
      error: JSON.parse(hash.error),
      attempts: Number(hash.attempts),
      lastFailedAt: hash.lastFailedAt,
      status: hash.status as DeadLetterStatus,
      history: JSON.parse(hash.history),
    };
  }
}
