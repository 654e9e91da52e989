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

  private key(at: number): string {
    return `${this.prefix}:insights:${new Date(at).toISOString().slice(0, 10)}`;
  }

  async record(event: PaymentEvent, destinations: readonly string[], storedAt: number): Promise<void> {
    const key = this.key(storedAt);
    if ((await this.client.hlen(key)) >= DAILY_CAP) return;
    // Only what insights read: no raw payload, no customer, no risk details.
    const { raw: _raw, customer: _customer, risk: _risk, ...facts } = event;
    const entry: LoggedEvent = { event: { ...facts, raw: null }, storedAt, destinations: [...destinations] };
    await this.client.multi().hsetnx(key, event.idempotencyKey, JSON.stringify(entry)).expire(key, KEEP_SECONDS).exec();
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
