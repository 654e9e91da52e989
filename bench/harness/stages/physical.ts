import { createHmac } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import { getProvider } from '../../../core/providers';
import { startRedisServer } from '../../../test/support/redis-server';
import type { BenchContext } from '../context';
import { eventPool, STRIPE_SECRET } from '../events';
import { percentile } from '../paced';

/**
 * The floor under ingest: a bare HMAC-SHA256 over the bytes Stripe signs, our Stripe
 * verification of the same request, a bare Redis `SET NX` pipeline on a Redis as
 * durable as the runtime's (appendfsync always), and bare SQLite commits as durable as
 * the runtime's (WAL, synchronous FULL), one row each, on the disk the runtime writes to.
 * Each durable write is also timed alone: its tail is the floor under acknowledgement
 * latency, since a request waits for the commit that holds its event.
 */
export interface WriteLatency {
  p50: number;
  p99: number;
  p99_9: number;
  max: number;
}

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
  /** Milliseconds per single-row commit, one after another. */
  sqliteCommitMs: WriteLatency;
  /** Milliseconds per lone `SET NX` round trip (appendfsync always), one after another. */
  redisWriteMs: WriteLatency;
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

/** Runs `write` one at a time for about `seconds`, timing each: the rate and the latency spread. */
async function timedWrites(seconds: number, write: () => unknown): Promise<{ perSecond: number; latency: WriteLatency }> {
  for (let index = 0; index < 50; index += 1) await write(); // warm-up
  const times: number[] = [];
  const started = performance.now();
  let now = started;
  while (now - started < seconds * 1000) {
    const before = now;
    await write();
    now = performance.now();
    times.push(now - before);
  }
  const sorted = Float64Array.from(times).sort();
  return {
    perSecond: times.length / ((now - started) / 1000),
    latency: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), p99_9: percentile(sorted, 0.999), max: sorted[sorted.length - 1] },
  };
}

/** One row per transaction, like each state transition of the runtime's SQLite mode. */
async function sqliteCommits(dir: string, seconds: number, body: Buffer): Promise<{ perSecond: number; latency: WriteLatency }> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = new BetterSqlite3(join(dir, 'commits.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE rows (key TEXT PRIMARY KEY, body BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO rows (key, body) VALUES (?, ?)');
  let key = 0;
  try {
    return await timedWrites(seconds, () => insert.run(String((key += 1)), body));
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
  const redisWrites = await timedWrites(options.seconds, () => client.set(`alone:${(key += 1)}`, '1', 'PX', 86_400_000, 'NX'));
  client.disconnect();
  await redis.stop();
  const sqlite = await sqliteCommits(join(context.workDir, 'physical-sqlite'), options.seconds, rawBody);

  const result = {
    bodyBytes: rawBody.length,
    hmacPerSecond,
    hmacMicros: 1e6 / hmacPerSecond,
    verifyPerSecond,
    verifyMicros: 1e6 / verifyPerSecond,
    verifyOverHmac: hmacPerSecond / verifyPerSecond,
    redisSetNxPerSecond,
    redisPipelineDepth: depth,
    sqliteCommitsPerSecond: sqlite.perSecond,
    sqliteCommitMs: sqlite.latency,
    redisWriteMs: redisWrites.latency,
  };
  console.log(
    `HMAC ${Math.round(result.hmacPerSecond)}/s (${result.hmacMicros.toFixed(2)} µs), verify ${Math.round(result.verifyPerSecond)}/s ` +
      `(${result.verifyOverHmac.toFixed(2)}x), Redis SET NX ${Math.round(result.redisSetNxPerSecond)}/s, SQLite commits ${Math.round(result.sqliteCommitsPerSecond)}/s ` +
      `(p99 ${result.sqliteCommitMs.p99.toFixed(2)} ms, max ${result.sqliteCommitMs.max.toFixed(1)} ms), lone Redis write p99 ${result.redisWriteMs.p99.toFixed(2)} ms`,
  );
  return result;
}
