import type { Redis } from 'ioredis';

/**
 * Runtimes before the batched Redis queue (runtime/src/storage/redis-queue.ts) kept their
 * deliveries in Bull queues named `deliver:<destination>` under the same key prefix. This
 * version neither reads nor migrates them, so it refuses to start while any is left rather than
 * let those deliveries sit unseen: nothing accepted is ever silently dropped by an upgrade.
 */
const BULL_LISTS = ['wait', 'active', 'paused'] as const;
const BULL_SETS = ['delayed'] as const;

export interface EarlierQueue {
  /** The Bull queue's name, `deliver:<destination>`. */
  queue: string;
  /** Deliveries waiting, running, paused or delayed in it. */
  deliveries: number;
}

/**
 * The configured destinations' Bull queues from an earlier runtime that still hold deliveries:
 * a few reads per destination at start, never a walk over the keyspace, which holds every
 * idempotency key. A destination no longer configured was never delivered to by either version.
 */
export async function earlierQueues(client: Redis, prefix: string, destinations: readonly string[]): Promise<EarlierQueue[]> {
  const found: EarlierQueue[] = [];
  for (const destination of destinations) {
    const queue = `deliver:${destination}`;
    const base = `${prefix}:${queue}`;
    const counts = await Promise.all([
      ...BULL_LISTS.map((list) => client.llen(`${base}:${list}`)),
      ...BULL_SETS.map((set) => client.zcard(`${base}:${set}`)),
    ]);
    const deliveries = counts.reduce((sum, count) => sum + count, 0);
    if (deliveries > 0) found.push({ queue, deliveries });
  }
  return found;
}

/** Why the runtime does not start over an earlier runtime's queued deliveries, and what to do. */
export function earlierQueuesProblem(found: readonly EarlierQueue[], prefix: string): string {
  const listed = found.map(({ queue, deliveries }) => `${queue} (${deliveries})`).join(', ');
  return (
    `Redis holds deliveries queued by an earlier version of the runtime in Bull queues under the prefix "${prefix}": ${listed}. ` +
    'This version keeps its own queue and would never send them. Run the earlier version until those queues are empty ' +
    '(its /status page shows the backlog), then start this one.'
  );
}
