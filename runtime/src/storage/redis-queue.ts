import type { Redis } from 'ioredis';
import type { PaymentEvent } from '../../../core/event';
import { storedJob } from './stored-job';
import { LANES, type ConsumeOptions, type EventFacts, type Lane, type QueueStat } from './types';

/**
 * The delivery queue in Redis, one per destination, shared by every process on that Redis:
 *   `<prefix>:job:<job id>`            the event's facts and the event (`jobValue`; one per event and destination);
 *   `<prefix>:queue:<dest>:ready`      jobs due now, scored by lane then by when they were stored;
 *   `<prefix>:queue:<dest>:delayed`    jobs waiting for a retry, scored by when they are due;
 *   `<prefix>:queue:<dest>:leased`     jobs a worker holds, scored by when its lease lapses.
 * A member names its lane rank, the attempts made, when the event was stored and the job id
 * (`2|1|1765065600000|stripe:evt_1|n8n`). Leasing counts an attempt, so each lease's member
 * is its own: an outcome lands only if its member is still leased, and an attempt whose
 * lease lapsed (its worker died or stalled) cannot finish a later one.
 *
 * Workers take jobs in batches, and each batch call also settles the outcomes finished since
 * the last one, in one script: the queue costs a few commands per batch, not per event. A
 * worker that dies holds its jobs until their leases lapse (LEASE_MS), then any worker takes
 * them again (at least once, as with any lease).
 */

/** A worker renews the leases it holds every third of this; one that stops renewing loses its jobs after it. */
const LEASE_MS = 15_000;
/** How often a worker looks for due retries and lapsed leases, and polls when no wake-up came. */
const POLL_MS = 250;
/** How often a stopping worker checks whether its last deliveries are written. */
const SETTLE_MS = 50;
/** Lane ranks are this far apart in a ready score, above any epoch-ms time. */
const LANE_SPAN = 1e13;
/** A throwing handler (a store is down) is tried again after this. */
const UNEXPECTED_FAILURE_DELAY_MS = 1_000;
/** Put back without an attempt (a worker stopping with jobs it had not started). */
const UNTRIED = -1;
const DONE = 0;
/** The cycle's answer for a job that is there and whose value the caller keeps (a job's value, JSON, is never this). */
const KEPT = '+';
/** How many values of jobs stored and not yet leased a process keeps: a few MB. */
const KEPT_VALUES = 2_048;

/**
 * Settles outcomes, moves due retries and lapsed leases back to ready, then leases up to
 * ARGV[3] jobs. KEYS: ready, delayed, leased. ARGV: now, the new leases' deadline, how many
 * to lease, the job key prefix, 1 to look for due and lapsed jobs, the outcomes as JSON
 * ([member, 0 done | -1 untried | the retry's due time]), 1 when the caller keeps job values
 * itself (StoredJobValues). Returns member, value pairs: the job's value, '' when it is gone,
 * or KEPT when the caller keeps values and every job leased is there (the caller then takes
 * each value from its own, or reads those it lacks).
 */
const CYCLE_SCRIPT = `
local now = tonumber(ARGV[1])
local prefix = ARGV[4]
local function readyScore(member)
  local rank, storedAt = string.match(member, '^(%d+)|%d+|(%d+)|')
  return tonumber(rank) * ${LANE_SPAN} + tonumber(storedAt)
end
local outcomes = cjson.decode(ARGV[6])
if #outcomes > 0 then
  local members = {}
  for i, outcome in ipairs(outcomes) do members[i] = outcome[1] end
  local held = redis.call('ZMSCORE', KEYS[3], unpack(members))
  local release, finished, retries, untried = {}, {}, {}, {}
  for i, outcome in ipairs(outcomes) do
    local member, due = outcome[1], outcome[2]
    if held[i] then
      table.insert(release, member)
      if due == ${DONE} then
        table.insert(finished, prefix .. string.match(member, '^%d+|%d+|%d+|(.*)$'))
      elseif due == ${UNTRIED} then
        local rank, attempts, rest = string.match(member, '^(%d+)|(%d+)|(.*)$')
        table.insert(untried, readyScore(member))
        table.insert(untried, rank .. '|' .. (tonumber(attempts) - 1) .. '|' .. rest)
      else
        table.insert(retries, due)
        table.insert(retries, member)
      end
    end
  end
  if #release > 0 then redis.call('ZREM', KEYS[3], unpack(release)) end
  if #finished > 0 then redis.call('DEL', unpack(finished)) end
  if #retries > 0 then redis.call('ZADD', KEYS[2], unpack(retries)) end
  if #untried > 0 then redis.call('ZADD', KEYS[1], unpack(untried)) end
end
if ARGV[5] == '1' then
  for _, source in ipairs({KEYS[2], KEYS[3]}) do
    local due = redis.call('ZRANGEBYSCORE', source, '-inf', now, 'LIMIT', 0, 1000)
    if #due > 0 then
      local back = {}
      for _, member in ipairs(due) do
        table.insert(back, readyScore(member))
        table.insert(back, member)
      end
      redis.call('ZADD', KEYS[1], unpack(back))
      redis.call('ZREM', source, unpack(due))
    end
  end
end
local leased = {}
local wanted = tonumber(ARGV[3])
if wanted > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], wanted)
  if #popped > 0 then
    local scored, keys = {}, {}
    for i = 1, #popped, 2 do
      local rank, attempts, rest = string.match(popped[i], '^(%d+)|(%d+)|(.*)$')
      local member = rank .. '|' .. (tonumber(attempts) + 1) .. '|' .. rest
      table.insert(leased, member)
      table.insert(leased, '')
      table.insert(scored, ARGV[2])
      table.insert(scored, member)
      table.insert(keys, prefix .. string.match(rest, '^%d+|(.*)$'))
    end
    redis.call('ZADD', KEYS[3], unpack(scored))
    if ARGV[7] == '1' and redis.call('EXISTS', unpack(keys)) == #keys then
      for i = 1, #keys do leased[2 * i] = '${KEPT}' end
    else
      local values = redis.call('MGET', unpack(keys))
      for i = 1, #keys do leased[2 * i] = values[i] or '' end
    end
  end
end
return leased
`;

type ScriptedRedis = Redis & {
  queueCycle(ready: string, delayed: string, leased: string, ...args: Array<string | number>): Promise<string[]>;
};

export interface QueueKeys {
  ready: string;
  delayed: string;
  leased: string;
  /** The channel ingress publishes on after adding jobs, so idle workers lease at once. */
  wake: string;
}

export function queueKeys(prefix: string, destination: string): QueueKeys {
  const base = `${prefix}:queue:${destination}`;
  return { ready: `${base}:ready`, delayed: `${base}:delayed`, leased: `${base}:leased`, wake: `${base}:wake` };
}

export function jobKey(prefix: string, jobId: string): string {
  return `${prefix}:job:${jobId}`;
}

/**
 * A job's stored value: the facts a delivery reads as a JSON array on the first line, then the
 * event's JSON (JSON.stringify never writes a raw newline), so a delivery parses the short line
 * and sends the rest as it is.
 */
export function jobValue(event: PaymentEvent): string {
  return `${JSON.stringify([event.idempotencyKey, event.provider, event.kind, event.occurredAt])}\n${JSON.stringify(event)}`;
}

/** The facts and the event's JSON of a job's value; a value stored before the facts line existed is the event alone. */
function readJobValue(value: string): { facts: EventFacts; body: string } {
  const lineEnd = value.indexOf('\n');
  if (lineEnd === -1) {
    const { idempotencyKey, provider, kind, occurredAt } = JSON.parse(value) as PaymentEvent;
    return { facts: { idempotencyKey, provider, kind, occurredAt }, body: value };
  }
  const [idempotencyKey, provider, kind, occurredAt] = JSON.parse(value.slice(0, lineEnd)) as [string, string, PaymentEvent['kind'], string];
  return { facts: { idempotencyKey, provider, kind, occurredAt }, body: value.slice(lineEnd + 1) };
}

/**
 * The values of the jobs this process stored and has not leased since. A worker in the same
 * process (role both, as `npm start` runs) takes a job's value from here instead of reading it
 * back from Redis: each event's bytes cross to Redis once, and no copy of them is built to
 * deliver it. Past KEPT_VALUES the oldest go; a job whose value is not here (stored by another
 * process, a retry, a backlog older than that) is read from Redis as before.
 */
export class StoredJobValues {
  private readonly values = new Map<string, string>();

  get size(): number {
    return this.values.size;
  }

  keep(jobId: string, value: string): void {
    if (this.values.size >= KEPT_VALUES) this.values.delete(this.values.keys().next().value!);
    this.values.set(jobId, value);
  }

  forget(jobId: string): void {
    this.values.delete(jobId);
  }

  take(jobId: string): string | undefined {
    const value = this.values.get(jobId);
    this.values.delete(jobId);
    return value;
  }
}

/** A new job's member in the ready set, and its score there. */
export function readyEntry(options: { lane: Lane; storedAt: number; jobId: string }): { member: string; score: number } {
  const rank = LANES.indexOf(options.lane);
  return { member: `${rank}|0|${options.storedAt}|${options.jobId}`, score: rank * LANE_SPAN + options.storedAt };
}

interface Member {
  lane: Lane;
  attempts: number;
  storedAt: number;
}

/** The job id a member ends with (after its lane rank, attempts and storing time). */
function memberJobId(member: string): string {
  return member.replace(/^(?:\d+\|){3}/, '');
}

function parseMember(member: string): Member {
  const [rank, attempts, storedAt] = member.split('|', 3).map(Number);
  return { lane: LANES[rank] ?? 'standard', attempts, storedAt };
}

/** Per destination and lane, from the members of its three sets (at most `sample` of each). */
export async function queueStats(client: Redis, options: { prefix: string; destinations: string[]; sample: number }): Promise<QueueStat[]> {
  const pipeline = client.pipeline();
  for (const destination of options.destinations) {
    const keys = queueKeys(options.prefix, destination);
    for (const key of [keys.ready, keys.delayed, keys.leased]) pipeline.zrange(key, '0', String(options.sample - 1));
  }
  const replies = (await pipeline.exec()) ?? [];
  return options.destinations.flatMap((destination, index) => {
    const replied = replies.slice(index * 3, index * 3 + 3).flatMap(([error, value]) => (error ? [] : (value as string[])));
    const members = replied.map((member) => parseMember(member));
    return LANES.flatMap((lane) => {
      const inLane = members.filter((member) => member.lane === lane);
      if (inLane.length === 0) return [];
      return [{ destination, lane, depth: inLane.length, oldestStoredAt: Math.min(...inLane.map((member) => member.storedAt)) }];
    });
  });
}

interface Leased extends Member {
  member: string;
  /** The job's stored value (`jobValue`), or '' when the job is gone. */
  value: string;
}

/**
 * One destination's worker side in this process: jobs leased ahead in a buffer, the ones
 * being delivered, and their outcomes. A delivery keeps its slot until its outcome is
 * written (as SQLite's does), so a crash repeats at most the deliveries that held a slot;
 * the outcomes finished in one turn are written in one call, which also leases more jobs
 * when the buffer runs low. One call at a time per destination.
 */
class DestinationConsumer {
  private readonly keys: QueueKeys;
  /** Leased ahead, so that one call serves several deliveries. */
  private readonly prefetch: number;
  private buffer: Leased[] = [];
  private readonly running = new Set<string>();
  private outcomes: Array<{ member: string; due: number; settled: () => void }> = [];
  private active = true;
  private calling?: Promise<void>;
  /** Another call is wanted once the one under way returns. */
  private again = false;
  private lastRecovery = 0;
  /** The earliest retry this process wrote, and its wake-up: a retry goes out when due, not on the next beat. */
  private retryWake?: { due: number; timer: NodeJS.Timeout };
  private retryDue = false;
  private readonly timers: NodeJS.Timeout[];

  constructor(
    private readonly client: ScriptedRedis,
    private readonly options: { prefix: string; destination: string; concurrency: number; consume: ConsumeOptions; values: StoredJobValues },
  ) {
    this.keys = queueKeys(options.prefix, options.destination);
    this.prefetch = Math.max(options.concurrency * 4, 32);
    // Due retries and lapsed leases are looked for on this beat, and a missed wake-up is made up for.
    this.timers = [setInterval(() => this.call(), POLL_MS), setInterval(() => void this.renew(), LEASE_MS / 3)];
    for (const timer of this.timers) timer.unref();
    this.call();
  }

  /** Ingress added jobs, or outcomes wait: call Redis now, or right after the call under way. */
  call(): void {
    if (this.calling) {
      this.again = true;
      return;
    }
    this.calling = this.cycle().finally(() => {
      this.calling = undefined;
      this.startDeliveries();
      if (this.again) {
        this.again = false;
        setImmediate(() => this.call());
      }
    });
  }

  private startDeliveries(): void {
    while (this.active && this.running.size < this.options.concurrency && this.buffer.length > 0) {
      const job = this.buffer.shift()!;
      this.running.add(job.member);
      void this.deliver(job).finally(() => {
        this.running.delete(job.member);
        this.startDeliveries();
      });
    }
  }

  /** Delivers one job and resolves once its outcome is written. */
  private async deliver(job: Leased): Promise<void> {
    let due = DONE;
    // An empty value: the job's event is gone (it was finished elsewhere), nothing to deliver.
    if (job.value !== '') {
      try {
        const outcome = await this.options.consume.handler(
          storedJob(readJobValue(job.value), { destination: this.options.destination, lane: job.lane, attempt: job.attempts }),
        );
        if (outcome.status === 'retry') due = Date.now() + outcome.delayMs;
      } catch {
        due = Date.now() + UNEXPECTED_FAILURE_DELAY_MS;
      }
    }
    await new Promise<void>((settled) => {
      // Every outcome finished in this turn goes in one call.
      if (this.outcomes.length === 0) setImmediate(() => this.call());
      this.outcomes.push({ member: job.member, due, settled });
    });
  }

  /** One call: writes the outcomes gathered so far, and leases jobs when the buffer runs low. */
  private async cycle(): Promise<void> {
    const outcomes = this.outcomes;
    this.outcomes = [];
    const now = Date.now();
    const recover = this.retryDue || now - this.lastRecovery >= POLL_MS;
    this.retryDue = false;
    const held = this.buffer.length + this.running.size - outcomes.length;
    const wanted = this.active && held <= this.prefetch / 2 ? this.prefetch - held : 0;
    if (outcomes.length === 0 && wanted === 0 && !recover) return;
    let reply: string[];
    try {
      reply = await this.client.queueCycle(
        this.keys.ready,
        this.keys.delayed,
        this.keys.leased,
        now,
        now + LEASE_MS,
        wanted,
        jobKey(this.options.prefix, ''),
        recover ? '1' : '0',
        JSON.stringify(outcomes.map(({ member, due }) => [member, due])),
        this.options.values.size > 0 ? '1' : '0',
      );
    } catch {
      // Redis is away: the outcomes wait, holding their slots, and are written once it answers (the beat calls again).
      this.outcomes = [...outcomes, ...this.outcomes];
      return;
    }
    if (recover) this.lastRecovery = now;
    for (const { settled } of outcomes) settled();
    this.wakeForRetry(outcomes.map(({ due }) => due).filter((due) => due > DONE));
    const leased: Leased[] = [];
    for (let index = 0; index < reply.length; index += 2) {
      leased.push({ member: reply[index], value: reply[index + 1], ...parseMember(reply[index]) });
    }
    this.buffer.push(...(await this.withValues(leased)));
    // A full batch: more may be waiting.
    if (wanted > 0 && reply.length / 2 === wanted) this.again = true;
  }

  /**
   * The leased jobs with their values: those the cycle left to this process (KEPT) from the
   * values it keeps, the others it lacks read from Redis in one call. Should Redis not answer,
   * those are left to their leases (unrenewed, they are handed out again once they lapse).
   */
  private async withValues(leased: Leased[]): Promise<Leased[]> {
    const unread: Leased[] = [];
    for (const job of leased) {
      // Taken even when the cycle read the value: a leased job's kept value is not needed again.
      const kept = this.options.values.take(memberJobId(job.member));
      if (job.value !== KEPT) continue;
      if (kept === undefined) unread.push(job);
      else job.value = kept;
    }
    if (unread.length === 0) return leased;
    try {
      const values = await this.client.mget(...unread.map((job) => jobKey(this.options.prefix, memberJobId(job.member))));
      unread.forEach((job, index) => (job.value = values[index] ?? ''));
      return leased;
    } catch {
      return leased.filter((job) => job.value !== KEPT);
    }
  }

  /** Calls Redis when the earliest of these retries is due (the beat still serves retries other processes wrote). */
  private wakeForRetry(dues: number[]): void {
    const due = Math.min(...dues);
    if (!this.active || !Number.isFinite(due) || (this.retryWake && this.retryWake.due <= due)) return;
    if (this.retryWake) clearTimeout(this.retryWake.timer);
    const timer = setTimeout(() => {
      this.retryWake = undefined;
      this.retryDue = true;
      this.call();
    }, due - Date.now() + 1);
    timer.unref();
    this.retryWake = { due, timer };
  }

  /** Extends the leases of every job held here (only those still leased: XX never brings one back). */
  private async renew(): Promise<void> {
    const members = [...this.buffer.map((job) => job.member), ...this.running];
    if (members.length === 0) return;
    const deadline = Date.now() + LEASE_MS;
    await this.client.zadd(this.keys.leased, 'XX', ...members.flatMap((member) => [deadline, member])).catch(() => undefined);
  }

  /** Stops leasing, waits for the deliveries running and their outcomes, and puts back the jobs not started. */
  async stop(): Promise<void> {
    this.active = false;
    const untried = this.buffer;
    this.buffer = [];
    // Outcomes Redis cannot take are given up after a lease's length: their jobs come back once the leases lapse.
    const giveUpAt = Date.now() + LEASE_MS;
    while ((this.running.size > 0 || this.calling) && Date.now() < giveUpAt) {
      await (this.calling ?? new Promise((resolve) => setTimeout(resolve, SETTLE_MS)));
    }
    for (const timer of this.timers) clearInterval(timer);
    if (this.retryWake) clearTimeout(this.retryWake.timer);
    if (untried.length === 0) return;
    // Left to their leases should Redis be away: they are handed out again once the leases lapse.
    await this.client
      .queueCycle(this.keys.ready, this.keys.delayed, this.keys.leased, Date.now(), 0, 0, jobKey(this.options.prefix, ''), '0', JSON.stringify(untried.map((job) => [job.member, UNTRIED])), '0')
      .catch(() => undefined);
  }
}

/** The workers of one process: a consumer per destination, woken by ingress's publications. */
export class RedisDeliveryWorkers {
  private readonly consumers = new Map<string, DestinationConsumer>();
  private subscriber?: Redis;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    /** The values of the jobs this process's ingress stored. */
    private readonly values: StoredJobValues,
  ) {
    (client as ScriptedRedis).defineCommand('queueCycle', { numberOfKeys: 3, lua: CYCLE_SCRIPT });
  }

  async start(options: ConsumeOptions): Promise<void> {
    const destinations = Object.entries(options.concurrency);
    const subscriber = this.client.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    subscriber.on('error', () => undefined);
    this.subscriber = subscriber;
    const byChannel = new Map(destinations.map(([destination]) => [queueKeys(this.prefix, destination).wake, destination]));
    subscriber.on('message', (channel: string) => this.consumers.get(byChannel.get(channel) ?? '')?.call());
    await subscriber.subscribe(...byChannel.keys());
    for (const [destination, concurrency] of destinations) {
      const consumer = new DestinationConsumer(this.client as ScriptedRedis, { prefix: this.prefix, destination, concurrency, consume: options, values: this.values });
      this.consumers.set(destination, consumer);
    }
  }

  async stop(): Promise<void> {
    const consumers = [...this.consumers.values()];
    this.consumers.clear();
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}
