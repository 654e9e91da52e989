import type { Redis } from 'ioredis';
import type { PaymentEvent } from '../../../core/event';
import { LANES, type ConsumeOptions, type Lane, type QueueStat } from './types';

/**
 * The delivery queue in Redis, one per destination, shared by every process on that Redis:
 *   `<prefix>:job:<job id>`            the event, as JSON (one per event and destination);
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
/** Outcomes wait at most this long for the next batch call before they are written on their own. */
const SETTLE_MS = 50;
/** Lane ranks are this far apart in a ready score, above any epoch-ms time. */
const LANE_SPAN = 1e13;
/** A throwing handler (a store is down) is tried again after this. */
const UNEXPECTED_FAILURE_DELAY_MS = 1_000;
/** Put back without an attempt (a worker stopping with jobs it had not started). */
const UNTRIED = -1;
const DONE = 0;

/**
 * Settles outcomes, moves due retries and lapsed leases back to ready, then leases up to
 * ARGV[3] jobs. KEYS: ready, delayed, leased. ARGV: now, the new leases' deadline, how many
 * to lease, the job key prefix, 1 to look for due and lapsed jobs, the outcomes as JSON
 * ([member, 0 done | -1 untried | the retry's due time]). Returns member, body pairs.
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
    local bodies = redis.call('MGET', unpack(keys))
    for i = 1, #keys do leased[2 * i] = bodies[i] or '' end
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
  body: string;
}

/** One destination's worker side in this process: a buffer of leased jobs, the ones running, and outcomes to settle. */
class DestinationConsumer {
  private readonly keys: QueueKeys;
  /** Leased ahead, so that one batch call serves several deliveries. */
  private readonly prefetch: number;
  private buffer: Leased[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private outcomes: Array<[string, number]> = [];
  private active = true;
  private lastRecovery = 0;
  private wakeUp?: () => void;
  /** A wake-up that came while the loop was busy: its next sleep returns at once. */
  private woken = false;
  private readonly renewal: NodeJS.Timeout;
  readonly loop: Promise<void>;

  constructor(
    private readonly client: ScriptedRedis,
    private readonly options: { prefix: string; destination: string; concurrency: number; consume: ConsumeOptions },
  ) {
    this.keys = queueKeys(options.prefix, options.destination);
    this.prefetch = Math.max(options.concurrency * 4, 32);
    this.renewal = setInterval(() => void this.renew(), LEASE_MS / 3);
    this.renewal.unref();
    this.loop = this.run();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.active) {
      this.startDeliveries();
      const held = this.buffer.length + this.running.size;
      const now = Date.now();
      const recover = now - this.lastRecovery >= POLL_MS;
      let waitMs = POLL_MS;
      if (held <= this.prefetch / 2 || recover) {
        try {
          const got = await this.cycle({ now, recover, wanted: this.prefetch - held });
          // A full batch: more may be waiting, so lease again as soon as there is room.
          if (got === this.prefetch - held && got > 0) waitMs = 0;
        } catch {
          // Redis is away: outcomes stay here and are settled once it answers; poll again.
        }
      } else if (this.outcomes.length > 0) waitMs = SETTLE_MS;
      this.startDeliveries();
      if (waitMs > 0) await this.sleep(waitMs);
    }
  }

  private startDeliveries(): void {
    while (this.active && this.running.size < this.options.concurrency && this.buffer.length > 0) {
      const job = this.buffer.shift()!;
      const delivery = this.deliver(job).finally(() => {
        this.running.delete(job.member);
        this.wake();
      });
      this.running.set(job.member, delivery);
    }
  }

  private async deliver(job: Leased): Promise<void> {
    if (job.body === '') {
      // The job's event is gone (it was finished elsewhere): nothing to deliver.
      this.outcomes.push([job.member, DONE]);
      return;
    }
    let due: number;
    try {
      const outcome = await this.options.consume.handler({
        event: JSON.parse(job.body) as PaymentEvent,
        destination: this.options.destination,
        lane: job.lane,
        attempt: job.attempts,
      });
      due = outcome.status === 'done' ? DONE : Date.now() + outcome.delayMs;
    } catch {
      due = Date.now() + UNEXPECTED_FAILURE_DELAY_MS;
    }
    this.outcomes.push([job.member, due]);
  }

  /** One batch call: settles the outcomes gathered so far and leases up to `wanted` jobs. */
  private async cycle(options: { now: number; recover: boolean; wanted: number }): Promise<number> {
    const outcomes = this.outcomes;
    this.outcomes = [];
    let reply: string[];
    try {
      reply = await this.client.queueCycle(
        this.keys.ready,
        this.keys.delayed,
        this.keys.leased,
        options.now,
        options.now + LEASE_MS,
        this.active ? Math.max(0, options.wanted) : 0,
        jobKey(this.options.prefix, ''),
        options.recover ? '1' : '0',
        JSON.stringify(outcomes),
      );
    } catch (error) {
      this.outcomes = [...outcomes, ...this.outcomes];
      throw error;
    }
    if (options.recover) this.lastRecovery = options.now;
    for (let index = 0; index < reply.length; index += 2) {
      this.buffer.push({ member: reply[index], body: reply[index + 1], ...parseMember(reply[index]) });
    }
    return reply.length / 2;
  }

  /** Extends the leases of every job held here (only those still leased: XX never brings one back). */
  private async renew(): Promise<void> {
    const members = [...this.buffer.map((job) => job.member), ...this.running.keys()];
    if (members.length === 0) return;
    const deadline = Date.now() + LEASE_MS;
    await this.client.zadd(this.keys.leased, 'XX', ...members.flatMap((member) => [deadline, member])).catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeUp?.(), ms);
      this.wakeUp = () => {
        this.wakeUp = undefined;
        this.woken = false;
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Stops leasing, waits for the deliveries running, settles their outcomes and puts back the jobs not started. */
  async stop(): Promise<void> {
    this.active = false;
    clearInterval(this.renewal);
    this.wake();
    await this.loop;
    await Promise.all(this.running.values());
    this.outcomes.push(...this.buffer.map((job): [string, number] => [job.member, UNTRIED]));
    this.buffer = [];
    // Unsettled outcomes (Redis away) are left to the leases: their jobs are handed out again once they lapse.
    if (this.outcomes.length > 0) await this.cycle({ now: Date.now(), recover: false, wanted: 0 }).catch(() => undefined);
  }
}

/** The workers of one process: a consumer per destination, woken by ingress's publications. */
export class RedisDeliveryWorkers {
  private readonly consumers = new Map<string, DestinationConsumer>();
  private subscriber?: Redis;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {
    (client as ScriptedRedis).defineCommand('queueCycle', { numberOfKeys: 3, lua: CYCLE_SCRIPT });
  }

  async start(options: ConsumeOptions): Promise<void> {
    const destinations = Object.entries(options.concurrency);
    const subscriber = this.client.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    subscriber.on('error', () => undefined);
    this.subscriber = subscriber;
    const byChannel = new Map(destinations.map(([destination]) => [queueKeys(this.prefix, destination).wake, destination]));
    subscriber.on('message', (channel: string) => this.consumers.get(byChannel.get(channel) ?? '')?.wake());
    await subscriber.subscribe(...byChannel.keys());
    for (const [destination, concurrency] of destinations) {
      const consumer = new DestinationConsumer(this.client as ScriptedRedis, { prefix: this.prefix, destination, concurrency, consume: options });
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
