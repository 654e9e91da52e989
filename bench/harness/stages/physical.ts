import { createHmac } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import { getProvider } from '../../../core/providers';
import { startRedisServer } from '../../../test/support/redis-server';
import type { BenchContext } from '../context';
import { eventPool, STRIPE_SECRET } from '../events';

/**
 * The floor under ingest: a bare HMAC-SHA256 over the bytes Stripe signs, our Stripe
 * verification of the same request, a bare Redis `SET NX` pipeline on a Redis as
 * durable as the runtime's (appendfsync always), and bare SQLite commits as durable as
 * the runtime's (WAL, synchronous FULL), one row each, on the disk the runtime writes to.
 */
export interface PhysicalResult {
  bodyBytes: number;
  hmacPerSecond: number;
  hmacMicros: number;
  verifyPerSecond: number;
  verifyMicros: number;
  /** Our verification's cost per event over the bare HMAC's. */
  verifyOverHmac: number;
  redisSetNxPerSecond: number;
  redisPipelineDepth: number;
  /** Single-row transactions per second (each waits for the disk). */
  sqliteCommitsPerSecond: number;
}

const ROUNDS = 10;

/** Seconds on the wall clock, or CPU seconds this process used (which waiting for a core does not inflate). */
type Clock = 'wall' | 'cpu';
const clocks: Record<Clock, () => number> = {
  wall: () => performance.now() / 1000,
  cpu: () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  },
};

/** Runs `operation` repeatedly for about `seconds` of the clock; returns operations per second of it. */
async function rate(seconds: number, operation: () => unknown, batch = 1000, clock: Clock = 'wall'): Promise<number> {
  for (let index = 0; index < batch; index += 1) await operation(); // warm-up
  const now = clocks[clock];
  let count = 0;
  const started = now();
  while (now() - started < seconds) {
    for (let index = 0; index < batch; index += 1) await operation();
    count += batch;
  }
  return count / (now() - started);
}

/** One row per transaction, like each state transition of the runtime's SQLite mode. */
async function sqliteCommits(dir: string, seconds: number, body: Buffer): Promise<number> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = new BetterSqlite3(join(dir, 'commits.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE rows (key TEXT PRIMARY KEY, body BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO rows (key, body) VALUES (?, ?)');
  let key = 0;
  try {
    return await rate(seconds, () => insert.run(String((key += 1)), body), 50, 'wall');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchPhysical(context: BenchContext, options: { seconds: number }): Promise<PhysicalResult> {
  const [event] = eventPool(1, 0);
  const rawBody = Buffer.from(event.body);
  const timestamp = /t=(\d+)/.exec(event.headers['stripe-signature'])![1];
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`), rawBody]);

  const stripe = getProvider('stripe')!;
  const source = { secrets: [STRIPE_SECRET], toleranceSeconds: 300 };
  const request = { rawBody, headers: event.headers };
  let refused = 0;
  const bareHmac = () => createHmac('sha256', STRIPE_SECRET).update(signed).digest();
  const verify = async () => {
    const verdict = await stripe.verify(request, source, { now: new Date() });
    if (!verdict.ok) refused += 1;
  };
  // Both on CPU time, in the same async loop, alternating short rounds and keeping the best
  // of each: on a shared machine that is the round least disturbed by other work.
  let hmacPerSecond = 0;
  let verifyPerSecond = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    hmacPerSecond = Math.max(hmacPerSecond, await rate(options.seconds / ROUNDS, bareHmac, 1000, 'cpu'));
    verifyPerSecond = Math.max(verifyPerSecond, await rate(options.seconds / ROUNDS, verify, 1000, 'cpu'));
  }
  if (refused > 0) throw new Error(`verification refused ${refused} correctly signed requests`);

  const redis = await startRedisServer({ appendOnly: true });
  const client = new Redis(redis.url);
  const depth = 1000;
  let key = 0;
  const redisSetNxPerSecond =
    depth *
    (await rate(
      options.seconds,
      async () => {
        const pipeline = client.pipeline();
        for (let index = 0; index < depth; index += 1) pipeline.set(`claim:${(key += 1)}`, '1', 'PX', 86_400_000, 'NX');
        await pipeline.exec();
      },
      1,
    ));
  client.disconnect();
  await redis.stop();
  const sqliteCommitsPerSecond = await sqliteCommits(join(context.workDir, 'physical-sqlite'), options.seconds, rawBody);

  const result = {
    bodyBytes: rawBody.length,
    hmacPerSecond,
    hmacMicros: 1e6 / hmacPerSecond,
    verifyPerSecond,
    verifyMicros: 1e6 / verifyPerSecond,
    verifyOverHmac: hmacPerSecond / verifyPerSecond,
    redisSetNxPerSecond,
    redisPipelineDepth: depth,
    sqliteCommitsPerSecond,
  };
  console.log(
    `HMAC ${Math.round(result.hmacPerSecond)}/s (${result.hmacMicros.toFixed(2)} µs), verify ${Math.round(result.verifyPerSecond)}/s ` +
      `(${result.verifyOverHmac.toFixed(2)}x), Redis SET NX ${Math.round(result.redisSetNxPerSecond)}/s, SQLite commits ${Math.round(sqliteCommitsPerSecond)}/s`,
  );
  return result;
}
