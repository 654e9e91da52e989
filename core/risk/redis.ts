import type { Redis } from 'ioredis';
import { TurnBatch, type BatchSchedule } from '../turn-batch';
import type { RiskWindowStore, WindowOp } from './types';

export interface RedisRiskWindowStoreOptions {
  client: Redis;
  /** Prepended to every key, e.g. `pw:risk:`. */
  keyPrefix?: string;
  /** When a batch of calls goes out (core/turn-batch.ts); the runtime batches per event-loop turn. */
  schedule?: BatchSchedule;
}

/**
 * Defines `riskBatch(calls, now, trimAll)`, which runs a batch of window and bucket calls and
 * returns each call's counts: `calls` are the encoded calls (RiskBatchEncoder), their keys
 * numbered in KEYS; `now` is the batch's time, from which every window is counted; `trimAll`
 * is true when every window given a member is trimmed this time. A script of its own here,
 * it also runs inside the runtime's intake script, beside the claims of the same events.
 *
 * Sliding windows (sorted sets scored by time): each member is added in call order and each
 * window counted once per batch (ZCOUNT over the window, no trim on the way); the count a call
 * sees is that count less the members later calls added. That subtraction holds only when
 * every member already stored is inside the window, so a window given two members in one batch
 * is trimmed first; any other is trimmed one batch in TRIM_EVERY, and expires a window after
 * its last member. A window marked `subsetOf` is not read at all when the window it is a
 * subset of holds only the current member.
 *
 * A window's expiry is set with PEXPIRE NX first: it succeeds only on a key that has none,
 * and every window gets one in the script that creates it, so success means this batch
 * created the key and its count is the members the batch added, with no ZCOUNT. Most windows
 * are new (a customer's or a card's first attempt in the window): one command instead of two.
 * A window that already existed has its expiry pushed out by a plain PEXPIRE and is counted.
 *
 * Volume buckets (one hash per source, a field per bucket index): the calls for one bucket
 * add their events in one HINCRBY and read the history once; each call sees the count as it
 * stood after its own event. The hash's expiry is set, and buckets older than the history are
 * dropped once it holds twice as many fields as it shows, only when a call starts a new bucket:
 * the expiry runs from the start of the current bucket, so it still outlasts the history after
 * the last event (a quiet source expires with its key).
 */
export const RISK_BATCH_LUA = `
local function riskBatch(calls, now, trimAll)
local results = {}
-- addsTo: how many ops give each window a member (known before any ZADD, it decides the trim)
local addsTo, windowOf, countOf = {}, {}, {}
for c, call in ipairs(calls) do
  if call.t == 's' then
    for _, op in ipairs(call.ops) do
      if op.m then
        local key = KEYS[op.k]
        addsTo[key] = (addsTo[key] or 0) + 1
        windowOf[key] = op.w
      end
    end
  end
end
for key, adds in pairs(addsTo) do
  if adds > 1 or trimAll then redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windowOf[key]) end
end
-- addedTo: how many members the ZADDs really added to each window (a member already there adds none)
local added, addedTo = {}, {}
for c, call in ipairs(calls) do
  if call.t == 's' then
    added[c] = {}
    for o, op in ipairs(call.ops) do
      added[c][o] = op.m and redis.call('ZADD', KEYS[op.k], call.now, op.m) or 0
      addedTo[KEYS[op.k]] = (addedTo[KEYS[op.k]] or 0) + added[c][o]
    end
  end
end
for key, _ in pairs(addsTo) do
  if redis.call('PEXPIRE', key, windowOf[key], 'NX') == 1 then countOf[key] = addedTo[key] else redis.call('PEXPIRE', key, windowOf[key]) end
end
-- members later calls of the batch added to each window, walking back from the end
local after = {}
local addedLater = {}
for c = #calls, 1, -1 do
  local call = calls[c]
  if call.t == 's' then
    addedLater[c] = {}
    for o = #call.ops, 1, -1 do
      local key = KEYS[call.ops[o].k]
      addedLater[c][o] = after[key] or 0
      after[key] = (after[key] or 0) + added[c][o]
    end
  end
end
local function count(key, windowMs)
  if countOf[key] == nil then countOf[key] = redis.call('ZCOUNT', key, '(' .. (now - windowMs), '+inf') end
  return countOf[key]
end
local bucketCalls = {}
for c, call in ipairs(calls) do
  if call.t == 's' then
    local counts = {}
    for o, op in ipairs(call.ops) do
      local whole = call.ops[op.s or 0]
      if whole and whole.m and counts[op.s] <= 1 then
        counts[o] = op.m and 1 or 0
      else
        counts[o] = count(KEYS[op.k], op.w) - addedLater[c][o]
      end
    end
    results[c] = counts
  else
    local group = call.k .. ':' .. call.cur .. ':' .. call.hist
    bucketCalls[group] = bucketCalls[group] or {}
    table.insert(bucketCalls[group], c)
  end
end
for _, group in pairs(bucketCalls) do
  local first = calls[group[1]]
  local key = KEYS[first.k]
  local current = tonumber(first.cur)
  local history = tonumber(first.hist)
  local startsBucket = redis.call('HINCRBY', key, current, #group) == #group
  if startsBucket then redis.call('PEXPIRE', key, first.exp) end
  local fields = {}
  for i = 1, history do fields[i] = current - history + i end
  local stored = redis.call('HMGET', key, unpack(fields))
  for i = 1, history do stored[i] = tonumber(stored[i]) or 0 end
  for rank, c in ipairs(group) do
    local counts = {}
    for i = 1, history do counts[i] = stored[i] end
    counts[history] = stored[history] - (#group - rank)
    results[c] = counts
  end
  if startsBucket and redis.call('HLEN', key) > 2 * history then
    for _, field in ipairs(redis.call('HKEYS', key)) do
      if tonumber(field) <= current - history then redis.call('HDEL', key, field) end
    end
  end
end
return results
end
`;

/** The risk window store's own script: one batch, its counts as JSON. ARGV: the calls as JSON, the batch's time, 1 to trim every window. */
const BATCH_SCRIPT = `${RISK_BATCH_LUA}
return cjson.encode(riskBatch(cjson.decode(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'))`;

/** Every window given a member is trimmed once in this many batches, so a window that gets one member at a time stays bounded. */
const TRIM_EVERY = 16;

/** One call as RISK_BATCH_LUA reads it: a slide's ops or a bucket, keys as indexes into KEYS. */
export type EncodedRiskCall =
  | { t: 's'; now: number; ops: Array<{ k: number; w: number; m?: string; s?: number }> }
  | { t: 'b'; k: number; cur: number; hist: number; exp: number };

/** One call as a store made it, its keys prefixed, before they are numbered for a batch. */
export type RiskCall = { slide: WindowOp[]; now: number; keys: string[] } | { bucket: string; now: number; bucketMs: number; history: number };

/** What RISK_BATCH_LUA takes besides the calls: the batch's time and whether it trims every window. */
export interface RiskBatchArgs {
  now: number;
  trimAll: '0' | '1';
}

/**
 * Turns a store's calls into RISK_BATCH_LUA's input: keys prefixed, then numbered in KEYS after
 * the keys a script already has. Keeps the batch count that decides when every window is trimmed,
 * so one encoder belongs to one stream of batches.
 */
export class RiskBatchEncoder {
  private batches = 0;

  constructor(private readonly prefix: string) {}

  slide(ops: WindowOp[], now: number): RiskCall {
    return { slide: ops, now, keys: ops.map(({ key }) => this.prefix + 'w:' + key) };
  }

  bucket(key: string, now: number, bucketMs: number, history: number): RiskCall {
    return { bucket: `${this.prefix}v:${key}`, now, bucketMs, history };
  }

  /** Encodes `calls`, appending the keys they name to `keys` (each once) and numbering them where they land. */
  encode(calls: RiskCall[], keys: string[]): { calls: EncodedRiskCall[] } & RiskBatchArgs {
    const numbered = new Map<string, number>();
    const indexOf = (key: string) => {
      let index = numbered.get(key);
      if (index === undefined) numbered.set(key, (index = keys.push(key)));
      return index;
    };
    const encoded = calls.map((call): EncodedRiskCall => {
      if ('slide' in call) {
        const ops = call.slide.map(({ windowMs, member, subsetOf }, index) => ({
          k: indexOf(call.keys[index]),
          w: windowMs,
          ...(member !== undefined && { m: member }),
          ...(subsetOf !== undefined && { s: subsetOf + 1 }),
        }));
        return { t: 's', now: call.now, ops };
      }
      const current = Math.floor(call.now / call.bucketMs);
      return { t: 'b', k: indexOf(call.bucket), cur: current, hist: call.history, exp: call.bucketMs * (call.history + 1) };
    });
    const now = Math.max(...calls.map((call) => call.now));
    return { calls: encoded, now, trimAll: this.batches++ % TRIM_EVERY === 0 ? '1' : '0' };
  }
}

/** The counts RISK_BATCH_LUA returned, as JSON, back to numbers (`false` for a call it did not run). */
export function decodeRiskCounts(reply: string): Array<number[] | false> {
  return (JSON.parse(reply) as Array<number[] | false>).map((counts) => counts && counts.map(Number));
}

/** The client with the script defined on it (ioredis adds the method at run time). */
type ScriptedRedis = Redis & { riskBatch(numKeys: number, ...args: Array<string | number>): Promise<string> };

/**
 * Windows in Redis, so every process and every n8n execution sees the same counts.
 * A sliding window is a sorted set scored by time (member = event key or card fingerprint,
 * so a redelivered event or a reused card is not counted twice); volume buckets are one
 * hash per source. The calls made together run as one script: atomic with respect to other
 * clients, and one round trip for all the calls made together (its `schedule`).
 */
export class RedisRiskWindowStore implements RiskWindowStore {
  private readonly redis: ScriptedRedis;
  private readonly encoder: RiskBatchEncoder;
  private readonly batch: TurnBatch<RiskCall, number[]>;

  constructor(options: RedisRiskWindowStoreOptions) {
    this.redis = options.client as ScriptedRedis;
    this.encoder = new RiskBatchEncoder(options.keyPrefix ?? 'pw:risk:');
    this.batch = new TurnBatch((calls) => this.run(calls), options.schedule);
    this.redis.defineCommand('riskBatch', { lua: BATCH_SCRIPT });
  }

  async slide(ops: WindowOp[], now: number): Promise<number[]> {
    if (ops.length === 0) return [];
    return this.batch.add(this.encoder.slide(ops, now));
  }

  async bucket(key: string, now: number, bucketMs: number, history: number): Promise<number[]> {
    return this.batch.add(this.encoder.bucket(key, now, bucketMs, history));
  }

  private async run(calls: RiskCall[]): Promise<number[][]> {
    const keys: string[] = [];
    const { calls: encoded, now, trimAll } = this.encoder.encode(calls, keys);
    // EVALSHA, falling back to EVAL once when the server does not hold the script yet.
    const reply = await this.redis.riskBatch(keys.length, ...keys, JSON.stringify(encoded), now, trimAll);
    // This script runs every call it is given.
    return decodeRiskCounts(reply) as number[][];
  }

  /** The Redis client belongs to the caller, which closes it. */
  async close(): Promise<void> {}
}
