import type { Redis } from 'ioredis';
import type { PaymentEvent } from '../../../core/event';

/**
 * Redis mode delivers events and forgets them, so insights keep their own bounded copy:
 * per UTC day of storing, one hash of idempotency key → the event without its raw
 * payload, customer or risk details (a few hundred bytes), at most DAILY_CAP events a day,
 * kept KEEP_SECONDS past the end of its day (its expiry is set once, by the script that
 * creates the hash). The storage writes each entry in the script that stores the
 * event (runtime/src/storage/redis.ts), under the day's cap and only when its key is not
 * there yet, so a second store of the same event is a no-op. Past the cap a day's figures
 * cover its first DAILY_CAP events.
 */
export const DAILY_CAP = 20_000;
export const KEEP_SECONDS = 8 * 24 * 60 * 60;
/** Set on the day's hash when it is created: a day longer, so it lasts KEEP_SECONDS past the day's end. */
export const EXPIRE_SECONDS = KEEP_SECONDS + 24 * 60 * 60;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface LoggedEvent {
  event: PaymentEvent;
  storedAt: number;
  destinations: string[];
}

export class RedisInsightsLog {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  /** The hash of the UTC day holding `at`. */
  key(at: number): string {
    return `${this.prefix}:insights:${new Date(at).toISOString().slice(0, 10)}`;
  }

  /** The entry kept for an event: only what insights read, no raw payload, no customer, no risk details. */
  entry(event: PaymentEvent, destinations: readonly string[], storedAt: number): string {
    const { raw: _raw, customer: _customer, risk: _risk, ...facts } = event;
    const entry: LoggedEvent = { event: { ...facts, raw: null }, storedAt, destinations: [...destinations] };
    return JSON.stringify(entry);
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
