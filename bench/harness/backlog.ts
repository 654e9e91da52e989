import { Redis } from 'ioredis';
import type { PaymentEvent } from '../../core/event';
import { getProvider } from '../../core/providers';
import { openStorage } from '../../runtime/src/storage/open';
import { DESTINATION } from './context';
import { stripeBodies } from './events';

/** Canonical events as the runtime's ingress makes them: Stripe bodies through our Stripe normaliser. */
export function canonicalEvents(size: number): PaymentEvent[] {
  const stripe = getProvider('stripe')!;
  const now = new Date();
  return stripeBodies(size).map(({ body }) => {
    const normalized = stripe.normalize({ rawBody: Buffer.from(body), headers: {} }, now);
    if (!normalized.ok) throw new Error(`the Stripe normaliser refused a bench event: ${normalized.detail}`);
    return normalized.events[0];
  });
}

/**
 * Queues `count` events for the bench destination through the runtime's own storage
 * (the code ingress uses), many writes in flight, stopping early at `deadlineMs` so a
 * slow machine cannot stretch the run. Events beyond the sample repeat its content
 * under new ids.
 */
export async function fillBacklog(
  storageUrl: string,
  count: number,
  sample: PaymentEvent[],
  deadlineMs = Number.POSITIVE_INFINITY,
): Promise<{ seconds: number; backlog: number }> {
  const storage = await openStorage(storageUrl);
  const started = performance.now();
  let next = 0;
  const writer = async () => {
    while (next < count && performance.now() - started < deadlineMs) {
      const index = next++;
      const base = sample[index % sample.length];
      const id = index < sample.length ? base.id : `${base.id}_${index}`;
      await storage.enqueue({ ...base, id, idempotencyKey: `stripe:${id}` }, [DESTINATION], 'standard');
    }
  };
  await Promise.all(Array.from({ length: 256 }, writer));
  const seconds = (performance.now() - started) / 1000;
  const backlog = await storage.backlog();
  await storage.close();
  return { seconds, backlog };
}

/**
 * Turns on appendonly with an fsync per write on a running Redis and waits for the
 * rewrite that persists what it holds: a backlog is filled fast, then served durably.
 */
export async function persistEveryWrite(redisUrl: string): Promise<void> {
  const client = new Redis(redisUrl);
  try {
    await client.config('SET', 'appendfsync', 'always');
    await client.config('SET', 'appendonly', 'yes');
    for (;;) {
      const info = await client.info('persistence');
      if (/aof_enabled:1/.test(info) && /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
      await new Promise((done) => setTimeout(done, 100));
    }
  } finally {
    client.disconnect();
  }
}

/** The process id of the Redis server at this URL (for its CPU accounting). */
export async function redisServerPid(redisUrl: string): Promise<number> {
  const client = new Redis(redisUrl);
  try {
    return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
  } finally {
    client.disconnect();
  }
}
