import type { DeliveryResult, IngressOutcome } from '../observer';

/**
 * The last hour in this process, for the status page: per source, requests received and
 * refused per minute; per destination, how its deliveries are going. Kept in memory in
 * fixed rings (60 minutes), so it costs the same at any traffic. Prometheus keeps the
 * long history; this is the glance.
 */
const MINUTE_MS = 60_000;
export const HOUR_MINUTES = 60;

export interface MinuteCounts {
  /** Epoch ms of the minute's start. */
  at: number;
  received: number;
  refused: number;
}

export interface DestinationHealth {
  name: string;
  /** Healthy until an attempt fails; healthy again after a 2xx. */
  healthy: boolean;
  consecutiveFailures: number;
  deliveredLastHour: number;
  failedLastHour: number;
  lastDeliveredAt?: string;
  lastFailureAt?: string;
  lastHttpStatus?: number;
}

const REFUSALS: ReadonlySet<IngressOutcome> = new Set(['refused', 'malformed', 'too_large']);

class MinuteRing<T extends object> {
  private readonly slots = new Map<number, T>();

  constructor(
    private readonly empty: () => T,
    private readonly now: () => number,
  ) {}

  current(): T {
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    let slot = this.slots.get(minute);
    if (!slot) {
      slot = this.empty();
      this.slots.set(minute, slot);
      for (const key of this.slots.keys()) if (key <= minute - HOUR_MINUTES * MINUTE_MS) this.slots.delete(key);
    }
    return slot;
  }

  /** The last hour, oldest first, one entry per minute (zeros where nothing happened). */
  hour(): Array<T & { at: number }> {
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    return Array.from({ length: HOUR_MINUTES }, (_, index) => {
      const at = minute - (HOUR_MINUTES - 1 - index) * MINUTE_MS;
      return { ...(this.slots.get(at) ?? this.empty()), at };
    });
  }
}

export class Activity {
  private readonly sources = new Map<string, MinuteRing<{ received: number; refused: number }>>();
  private readonly destinations = new Map<
    string,
    { ring: MinuteRing<{ delivered: number; failed: number }>; health: Omit<DestinationHealth, 'deliveredLastHour' | 'failedLastHour'> }
  >();

  constructor(
    sources: readonly string[],
    destinations: readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    for (const source of sources) this.sources.set(source, new MinuteRing(() => ({ received: 0, refused: 0 }), now));
    for (const name of destinations) {
      this.destinations.set(name, {
        ring: new MinuteRing(() => ({ delivered: 0, failed: 0 }), now),
        health: { name, healthy: true, consecutiveFailures: 0 },
      });
    }
  }

  ingress(source: string, outcome: IngressOutcome): void {
    const slot = this.sources.get(source)?.current();
    if (!slot) return; // unknown sources are counted in the metrics, not charted
    slot.received += 1;
    if (REFUSALS.has(outcome)) slot.refused += 1;
  }

  delivery(destination: string, result: DeliveryResult, httpStatus?: number): void {
    const entry = this.destinations.get(destination);
    if (!entry) return;
    const at = new Date(this.now()).toISOString();
    const slot = entry.ring.current();
    const health = entry.health;
    if (httpStatus !== undefined) health.lastHttpStatus = httpStatus;
    if (result === 'delivered') {
      slot.delivered += 1;
      Object.assign(health, { healthy: true, consecutiveFailures: 0, lastDeliveredAt: at });
    } else {
      slot.failed += 1;
      Object.assign(health, { healthy: false, consecutiveFailures: health.consecutiveFailures + 1, lastFailureAt: at });
    }
  }

  throughput(): Array<{ source: string; minutes: MinuteCounts[] }> {
    return [...this.sources].map(([source, ring]) => ({ source, minutes: ring.hour() }));
  }

  health(): DestinationHealth[] {
    return [...this.destinations.values()].map(({ ring, health }) => {
      const hour = ring.hour();
      return {
        ...health,
        deliveredLastHour: hour.reduce((sum, minute) => sum + minute.delivered, 0),
        failedLastHour: hour.reduce((sum, minute) => sum + minute.failed, 0),
      };
    });
  }
}
