import { Redis } from 'ioredis';
import type { PaymentEvent } from '../../../core/event';
import { RedisDeadLetterStore } from '../../../core/deadletter/redis';
import { completedValue, isCompletedValue, RedisIdempotencyStore } from '../../../core/idempotency/redis';
import { DEFAULT_RETENTION_MS } from '../../../core/idempotency/types';
import type { RiskWindowStore } from '../../../core/risk/types';
import { TurnBatch } from '../../../core/turn-batch';
import { withTimeout } from '../timeout';
import { earlierQueues, earlierQueuesProblem } from './redis-earlier-queue';
import { storageLabel, StorageRefusal } from './location';
import { RedisIntake } from './redis-intake';
import { DAILY_CAP, EXPIRE_SECONDS, RedisInsightsLog } from '../insights/redis-log';
import { jobKey, jobValue, queueKeys, queueStats, readyEntry, RedisDeliveryWorkers, StoredJobValues } from './redis-queue';
import type { AcceptOutcome, ConsumeOptions, Lane, QueueStat, RuntimeStorage, StoredEvent } from './types';

/**
 * Redis mode: idempotency, dead letters, risk windows, the insights log and the delivery
 * queue (runtime/src/storage/redis-queue.ts) in one Redis, so any number of processes share
 * the work. Redis must persist (appendonly yes, appendfsync always): the queue lives there,
 * and a write is answered only once it is on disk.
 *
 * Ingress writes as SQLite's group commit does: the requests read in one event-loop turn
 * share one script call for their claims and risk windows (runtime/src/storage/redis-intake.ts)
 * and one that stores their jobs and completes their keys, so Redis runs a few commands per
 * event in two round trips, each waiting for one fsync.
 */
const DEFAULT_STORE_TIMEOUT_MS = 5_000;
/** How long a storing request holds the idempotency key, in store timeouts, before another may store it. */
const STORE_LEASE_FACTOR = 2;
/** Lanes are counted over at most this many unfinished jobs per destination and state (a scrape stays cheap). */
const QUEUE_STATS_SAMPLE = 5_000;
/** The intake script's SET NX GET came with Redis 7.0. */
const MINIMUM_REDIS_MAJOR = 7;

/**
 * Stores a batch of events: per destination the job (SET NX, so an event stored twice is
 * queued once) and its place in the ready set; the insights entry under the day's cap; then
 * the completed idempotency record. Enqueueing comes before completing in the same atomic
 * script, so a completed key always has its jobs. Each destination queue that got a job is
 * woken once. ARGV: the completed records' retention, the insights cap and a new day's expiry, then per
 * event: idempotency key ('' for none), its completed record, insights key ('' for none),
 * field and entry, the job's value (`jobValue`), the destination count, and per destination: job key,
 * ready key, wake channel, member, score. Returns per job, in order, 1 when it was stored, 0
 * when it was there already.
 */
const STORE_SCRIPT = `
local lengths, expiring, woken, stored = {}, {}, {}, {}
local cap = tonumber(ARGV[2])
local i = 4
while i <= #ARGV do
  local idempotencyKey, completed, insightsKey, field, entry, job = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  local destinations = tonumber(ARGV[i + 6])
  i = i + 7
  for _ = 1, destinations do
    if redis.call('SET', ARGV[i], job, 'NX') then
      redis.call('ZADD', ARGV[i + 1], ARGV[i + 4], ARGV[i + 3])
      woken[ARGV[i + 2]] = true
      table.insert(stored, 1)
    else
      table.insert(stored, 0)
    end
    i = i + 5
  end
  if insightsKey ~= '' then
    lengths[insightsKey] = lengths[insightsKey] or redis.call('HLEN', insightsKey)
    if lengths[insightsKey] < cap then
      -- the day's hash gets its expiry when it is created, not on every write
      if lengths[insightsKey] == 0 then expiring[insightsKey] = true end
      lengths[insightsKey] = lengths[insightsKey] + redis.call('HSETNX', insightsKey, field, entry)
    end
  end
  if idempotencyKey ~= '' then redis.call('SET', idempotencyKey, completed, 'PX', ARGV[1]) end
end
for key in pairs(expiring) do redis.call('EXPIRE', key, ARGV[3]) end
for channel in pairs(woken) do redis.call('PUBLISH', channel, '') end
return stored`;

type ScriptedRedis = Redis & { storageStore(...args: Array<string | number>): Promise<number[]> };

export interface RedisStorageOptions {
  prefix?: string;
  destinations?: readonly string[];
  /** How long ingress gives one durable write; an event's key is held twice that while it is stored. */
  storeTimeoutMs?: number;
}

/** One event to store: its jobs, its insights entry unless `log` is false, and its completed key when `complete`. */
interface StoreItem {
  event: PaymentEvent;
  destinations: readonly string[];
  lane: Lane;
  complete: boolean;
  log: boolean;
  /** The job id per destination; `<key>|<destination>` unless given (replays get their own). */
  jobId?: (destination: string) => string;
}

/** `?prefix=name` on the storage URL namespaces every key; it is not passed on to Redis. */
function splitPrefix(location: string, fallback: string): { url: string; prefix: string } {
  const url = new URL(location);
  const prefix = url.searchParams.get('prefix') ?? fallback;
  url.searchParams.delete('prefix');
  return { url: url.toString(), prefix };
}

export class RedisStorage implements RuntimeStorage {
  readonly kind = 'redis' as const;
  readonly idempotency: RedisIdempotencyStore;
  readonly deadLetters: RedisDeadLetterStore;
  private readonly intake: RedisIntake;
  private readonly insights: RedisInsightsLog;
  private readonly destinations = new Set<string>();
  private readonly stores = new TurnBatch<StoreItem, void>((items) => this.storeAll(items), setImmediate);
  /** What this process stored, for its own workers to deliver without reading it back. */
  private readonly jobValues = new StoredJobValues();
  private readonly client: ScriptedRedis;
  private workers?: RedisDeliveryWorkers;

  private constructor(
    client: Redis,
    private readonly prefix: string,
    storeLeaseMs: number,
  ) {
    this.client = client as ScriptedRedis;
    this.client.defineCommand('storageStore', { numberOfKeys: 0, lua: STORE_SCRIPT });
    this.idempotency = new RedisIdempotencyStore({ client, keyPrefix: `${prefix}:idempotency:` });
    this.deadLetters = new RedisDeadLetterStore({ client: client, keyPrefix: `${prefix}:dead-letters:` });
    this.intake = new RedisIntake(client, { idempotencyKey: (key) => this.idempotencyKey(key), riskPrefix: `${prefix}:risk:`, leaseMs: storeLeaseMs });
    this.insights = new RedisInsightsLog(client, prefix);
  }

  static async open(location: string, options: RedisStorageOptions = {}): Promise<RedisStorage> {
    const { url, prefix } = splitPrefix(location, options.prefix ?? 'payment-webhooks');
    // No offline queue: while Redis is away a write fails at once and ingress answers 503,
    // instead of holding the request until a timeout.
    const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    client.on('error', () => undefined); // reconnection is automatic; readiness reports the outage
    const timeoutMs = options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    // ioredis rejects a refused connection with "Connection is closed."; the socket's own error says why.
    let socketError: Error | undefined;
    const noteSocketError = (error: Error) => (socketError ??= error);
    client.on('error', noteSocketError);
    try {
      // Bounded: a server that accepts the connection and never answers (not Redis, a proxy to a Redis that is down) would hold the start forever.
      const info = await withTimeout(
        client.connect().then(() => client.info('server')),
        timeoutMs,
        `Redis's first answer`,
      );
      const version = /redis_version:(\d+)/.exec(info)?.[1];
      if (Number(version) < MINIMUM_REDIS_MAJOR) {
        throw new StorageRefusal(`Redis mode needs Redis ${MINIMUM_REDIS_MAJOR}.0 or newer (SET NX GET, ZMSCORE); the server at ${storageLabel(url)} is ${version}`);
      }
      const earlier = await earlierQueues(client, prefix, options.destinations ?? []);
      if (earlier.length > 0) throw new StorageRefusal(earlierQueuesProblem(earlier, prefix));
    } catch (error) {
      // A client left open would go on reconnecting and keep the process alive.
      client.disconnect();
      throw error instanceof StorageRefusal ? error : (socketError ?? error);
    } finally {
      client.off('error', noteSocketError);
    }
    const storage = new RedisStorage(client, prefix, timeoutMs * STORE_LEASE_FACTOR);
    for (const destination of options.destinations ?? []) storage.destinations.add(destination);
    return storage;
  }

  private idempotencyKey(key: string): string {
    return `${this.prefix}:idempotency:${key}`;
  }

  private async storeAll(items: StoreItem[]): Promise<void[]> {
    const now = Date.now();
    const args: Array<string | number> = [DEFAULT_RETENTION_MS, DAILY_CAP, EXPIRE_SECONDS];
    const jobIds: string[] = [];
    for (const { event, destinations, lane, complete, log, jobId } of items) {
      const key = event.idempotencyKey;
      const value = jobValue(event);
      args.push(
        complete ? this.idempotencyKey(key) : '',
        complete ? completedValue({ storedAt: new Date(now).toISOString() }, { completedAt: now, retentionMs: DEFAULT_RETENTION_MS }) : '',
        log ? this.insights.key(now) : '',
        key,
        log ? this.insights.entry(event, destinations, now) : '',
        value,
        destinations.length,
      );
      for (const destination of destinations) {
        this.destinations.add(destination);
        const id = jobId?.(destination) ?? `${key}|${destination}`;
        // Kept before the call (a worker of this process may lease the job before the call's answer
        // is read), and only by a process that delivers.
        if (this.workers) {
          this.jobValues.keep(id, value);
          jobIds.push(id);
        }
        const keys = queueKeys(this.prefix, destination);
        const { member, score } = readyEntry({ lane, storedAt: now, jobId: id });
        args.push(jobKey(this.prefix, id), keys.ready, keys.wake, member, score);
      }
    }
    let stored: number[];
    try {
      stored = await this.client.storageStore(...args);
    } catch (error) {
      for (const id of jobIds) this.jobValues.forget(id);
      throw error;
    }
    // A job that was there already keeps the value stored first, which a delivery then reads from Redis
    // (a worker that leased it before this line delivers this copy of the same event).
    jobIds.forEach((id, index) => stored[index] === 0 && this.jobValues.forget(id));
    return items.map(() => undefined);
  }

  /**
   * Claim and choose the lane, then store: the claim (SET NX) decides atomically across
   * processes which request stores an event; the lane is scored in the same turn, so its risk
   * windows ride in the claim's script, which skips them when the key is already completed;
   * the store script writes the jobs and completes the key in one step. A claim left by a failed
   * store expires after the lease; meanwhile a gateway's retry finds it `in_progress` and stores
   * the event too (enqueueing is idempotent).
   */
  async accept(event: PaymentEvent, destinations: readonly string[], chooseLane: (windows: RiskWindowStore) => Promise<Lane>): Promise<AcceptOutcome> {
    const key = event.idempotencyKey;
    const held = this.intake.claim(key);
    const lane = chooseLane(this.intake.windowsFor(key));
    // A duplicate's lane rejects (its windows were skipped) and is never awaited.
    lane.catch(() => undefined);
    const holder = await held;
    if (holder !== null && isCompletedValue(holder)) return 'duplicate';
    await this.stores.add({ event, destinations, lane: await lane, complete: true, log: true });
    return 'accepted';
  }

  async enqueue(event: PaymentEvent, destinations: readonly string[], lane: Lane): Promise<void> {
    await this.stores.add({ event, destinations, lane, complete: false, log: true });
  }

  /** From the insights log; an event is pending while a job of it is still queued (finished jobs are removed). */
  async storedEvents(since: number): Promise<StoredEvent[]> {
    const logged = await this.insights.since(since, Date.now());
    const pipeline = this.client.pipeline();
    for (const { event, destinations } of logged) {
      for (const destination of destinations) pipeline.exists(jobKey(this.prefix, `${event.idempotencyKey}|${destination}`));
    }
    const exists = ((await pipeline.exec()) ?? []).map(([, count]) => count === 1);
    let next = 0;
    return logged.map(({ event, storedAt, destinations }) => {
      const jobs = exists.slice(next, (next += destinations.length));
      return { event, storedAt, pending: jobs.some(Boolean) };
    });
  }

  async requeue(event: PaymentEvent, destination: string, lane: Lane): Promise<void> {
    const replay = `replay-${Date.now()}`;
    await this.stores.add({ event, destinations: [destination], lane, complete: false, log: false, jobId: () => `${event.idempotencyKey}|${destination}|${replay}` });
  }

  async consume(options: ConsumeOptions): Promise<void> {
    for (const destination of Object.keys(options.concurrency)) this.destinations.add(destination);
    const workers = new RedisDeliveryWorkers(this.client, this.prefix, this.jobValues);
    this.workers = workers;
    await workers.start(options);
  }

  async stopConsuming(): Promise<void> {
    const workers = this.workers;
    this.workers = undefined;
    await workers?.stop();
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async backlog(): Promise<number> {
    const pipeline = this.client.pipeline();
    for (const destination of this.destinations) {
      const keys = queueKeys(this.prefix, destination);
      pipeline.zcard(keys.ready).zcard(keys.delayed).zcard(keys.leased);
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.reduce((sum, [error, count]) => {
      if (error) throw error;
      return sum + Number(count);
    }, 0);
  }

  async queueStats(): Promise<QueueStat[]> {
    return queueStats(this.client, { prefix: this.prefix, destinations: [...this.destinations], sample: QUEUE_STATS_SAMPLE });
  }

  async close(): Promise<void> {
    await this.stopConsuming();
    this.client.disconnect();
  }
}
