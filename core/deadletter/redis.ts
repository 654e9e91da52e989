import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEAD_LETTER_STATUSES, dedupeKey, matchesFilter, newRecord, noCounts, parseInstant, statusesOf, withoutDestinationUrl } from './records';
import type { CountingDeadLetterStore, DeadLetterCounts, DeadLetterFilter, DeadLetterRecord, DeadLetterStatus, NewDeadLetter } from './types';

export interface RedisDeadLetterStoreOptions {
  /** The caller's client; the caller closes it. */
  client: Redis;
  /** Prepended to every key; the runtime in Redis mode and the Dead Letter node must use the same one. */
  keyPrefix?: string;
  now?: () => Date;
}

export const DEFAULT_DEAD_LETTER_PREFIX = 'payment-webhooks:dead-letters:';

/*
 * Layout, under the prefix:
 *   rec:<id>   a hash: `fixed` (JSON of what never changes), `error` (JSON), `attempts`,
 *              `lastFailedAt`, `lastFailedAtMs`, `status`, `history` (JSON array), `dedupe`
 *   by-time    a sorted set of ids scored by lastFailedAt in ms (lists, time filters, purge)
 *   by-status:<status>  the same, one per status (lists of one status, counts by ZCARD)
 *   status-index-built  set once the by-status sets hold the records written before they existed
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
    redis.call('ZADD', prefix .. 'by-status:' .. redis.call('HGET', key, 'status'), ARGV[8], id)
  end
  return id
end
redis.call('HSET', prefix .. 'rec:' .. ARGV[3], 'fixed', ARGV[4], 'error', ARGV[5], 'attempts', ARGV[6],
  'lastFailedAt', ARGV[7], 'lastFailedAtMs', ARGV[8], 'status', 'open', 'history', '[' .. ARGV[9] .. ']', 'dedupe', ARGV[2])
redis.call('HSET', prefix .. 'open', ARGV[2], ARGV[3])
redis.call('ZADD', prefix .. 'by-time', ARGV[8], ARGV[3])
redis.call('ZADD', prefix .. 'by-status:open', ARGV[8], ARGV[3])
return ARGV[3]`;

/** ARGV: prefix, id, status, historyEntry. Keeps the open index pointing at open records only. */
const SET_STATUS_SCRIPT = `
local key = ARGV[1] .. 'rec:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return 0 end
local history = redis.call('HGET', key, 'history')
redis.call('ZREM', ARGV[1] .. 'by-status:' .. redis.call('HGET', key, 'status'), ARGV[2])
redis.call('ZADD', ARGV[1] .. 'by-status:' .. ARGV[3], redis.call('HGET', key, 'lastFailedAtMs'), ARGV[2])
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
  local status = redis.call('HGET', key, 'status')
  if status then redis.call('ZREM', prefix .. 'by-status:' .. status, id) end
  redis.call('DEL', key)
  redis.call('ZREM', prefix .. 'by-time', id)
end
return #ids`;

/**
 * ARGV: prefix. Files records written before the by-status sets existed into them, once per
 * prefix: one pass over by-time inside Redis (a one-time pause of about a microsecond per record).
 */
const STATUS_INDEX_SCRIPT = `
local prefix = ARGV[1]
if not redis.call('SET', prefix .. 'status-index-built', '1', 'NX') then return 0 end
local scored = redis.call('ZRANGE', prefix .. 'by-time', 0, -1, 'WITHSCORES')
for i = 1, #scored, 2 do
  local status = redis.call('HGET', prefix .. 'rec:' .. scored[i], 'status')
  if status then redis.call('ZADD', prefix .. 'by-status:' .. status, scored[i + 1], scored[i]) end
end
return #scored / 2`;

type Fixed = Omit<DeadLetterRecord, 'error' | 'attempts' | 'lastFailedAt' | 'status' | 'history'>;

/** Reads ids and records this many at a time while listing, so a small limit stops early. */
const LIST_BATCH = 100;

export class RedisDeadLetterStore implements CountingDeadLetterStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly now: () => Date;
  private statusIndex?: Promise<unknown>;

  constructor(options: RedisDeadLetterStoreOptions) {
    this.redis = options.client;
    this.prefix = options.keyPrefix ?? DEFAULT_DEAD_LETTER_PREFIX;
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

  /**
   * Pages through one sorted set, newest first: the status's own set when the filter names
   * one status, else by-time. A record that moves while the list is read may be missed or,
   * shifted onto the next page, is not returned twice.
   */
  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterRecord[]> {
    await this.ensureStatusIndex();
    const max = filter.to ? parseInstant(filter.to, 'to') : '+inf';
    const min = filter.from ? parseInstant(filter.from, 'from') : '-inf';
    const statuses = new Set(statusesOf(filter));
    const index = this.prefix + (statuses.size === 1 ? `by-status:${[...statuses][0]}` : 'by-time');
    const found: DeadLetterRecord[] = [];
    const seen = new Set<string>();
    const limit = filter.limit ?? Infinity;
    for (let offset = 0; found.length < limit; offset += LIST_BATCH) {
      const ids = await this.redis.zrevrangebyscore(index, max, min, 'LIMIT', offset, LIST_BATCH);
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.recordKey(id));
      for (const [error, hash] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        const record = this.decode(hash as Record<string, string>);
        if (!record || seen.has(record.id) || !matchesFilter(record, filter) || found.length >= limit) continue;
        seen.add(record.id);
        found.push(record);
      }
      if (ids.length < LIST_BATCH) break;
    }
    return found;
  }

  async countByStatus(): Promise<DeadLetterCounts> {
    await this.ensureStatusIndex();
    const pipeline = this.redis.pipeline();
    for (const status of DEAD_LETTER_STATUSES) pipeline.zcard(`${this.prefix}by-status:${status}`);
    const answers = (await pipeline.exec()) ?? [];
    const counts = noCounts();
    DEAD_LETTER_STATUSES.forEach((status, index) => {
      const [error, count] = answers[index];
      if (error) throw error;
      counts[status] = Number(count);
    });
    return counts;
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

  /** Once per store: a failed attempt is tried again on the next read. */
  private ensureStatusIndex(): Promise<unknown> {
    this.statusIndex ??= this.redis.eval(STATUS_INDEX_SCRIPT, 0, this.prefix).catch((error: unknown) => {
      this.statusIndex = undefined;
      throw error;
    });
    return this.statusIndex;
  }

  private recordKey(id: string): string {
    return `${this.prefix}rec:${id}`;
  }

  private decode(hash: Record<string, string>): DeadLetterRecord | null {
    if (!hash.fixed) return null;
    const fixed = JSON.parse(hash.fixed) as Fixed;
    return withoutDestinationUrl({
      ...fixed,
      error: JSON.parse(hash.error),
      attempts: Number(hash.attempts),
      lastFailedAt: hash.lastFailedAt,
      status: hash.status as DeadLetterStatus,
      history: JSON.parse(hash.history),
    });
  }
}
