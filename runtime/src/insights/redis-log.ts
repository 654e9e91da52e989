import type { Redis } from 'ioredis';
import type { PaymentEvent } from '../../../core/event';

/**
 * Redis mode delivers events and forgets them, so insights keep their own bounded copy:
 * per UTC day of storing, one hash of idempotency key → the event without its raw
 * payload, customer or risk details (a few hundred bytes), at most DAILY_CAP events a day,
 * expiring after KEEP_SECONDS. Writing by key makes a second store of the same event (a
 * crash between enqueue and completing the key) a no-op. Past the cap a day's figures
 * cover its first DAILY_CAP events.
 */
export const DAILY_CAP = 20_000;
const KEEP_SECONDS = 8 * 24 * 60 * 60;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Under the day's cap, adds the entry unless its key is there, and keeps the day's expiry; one command per event. */
const RECORD_SCRIPT = `
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

type ScriptedRedis = Redis & { insightsRecord(key: string, field: string, entry: string, cap: number, keepSeconds: number): Promise<number> };

export interface LoggedEvent {
  event: PaymentEvent;
  storedAt: number;
  destinations: string[];
}

export class RedisInsightsLog {
  private readonly client: ScriptedRedis;

  constructor(
    client: Redis,
    private readonly prefix: string,
  ) {
    this.client = client as ScriptedRedis;
    this.client.defineCommand('insightsRecord', { numberOfKeys: 1, lua: RECORD_SCRIPT });
  }

  private key(at: number): string {
    return `${this.prefix}:insights:${new Date(at).toISOString().slice(0, 10)}`;
  }

  async record(event: PaymentEvent, destinations: readonly string[], storedAt: number): Promise<void> {
    // Only what insights read: no raw payload, no customer, no risk details.
    const { raw: _raw, customer: _customer, risk: _risk, ...facts } = event;
    const entry: LoggedEvent = { event: { ...facts, raw: null }, storedAt, destinations: [...destinations] };
    await this.client.insightsRecord(this.key(storedAt), event.idempotencyKey, JSON.stringify(entry), DAILY_CAP, KEEP_SECONDS);
  }

  /** Events stored since `since` (epoch ms), oldest first. */
  async since(since: number, now: number): Promise<LoggedEvent[]> {
    const entries: LoggedEvent[] = [];
    for (let day = Math.floor(since / DAY_MS) * DAY_MS; day <= now; day += DAY_MS) {
      for (const value of await this.client.hvals(this.key(day))) {
        const entry = JSON.parse(value) as LoggedEvent;
        if (entry.storedAt >= since) entries.push(entry);
      }
    }
    return entries.sort((a, b) => a.storedAt - b.storedAt || a.event.idempotencyKey.localeCompare(b.event.idempotencyKey));
  }
}
