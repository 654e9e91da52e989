import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import Redis from 'ioredis';
import { RedisDeadLetterStore, type NewDeadLetter } from '../../core/deadletter';
import type { CountingDeadLetterStore, DeadLetterStatus } from '../../core/deadletter/types';
import { SqliteDeadLetterStore } from '../../runtime/src/storage/sqlite-dead-letters';
import { paymentEvent } from '../unit/risk/events';
import { tempDir } from './support/harness';

/**
 * The reads the status page, metrics and alerts make on every poll, scrape and new dead
 * letter: over 10,000 records, a limited list returns the newest page and a count comes
 * from the store's indexes, in SQLite (a real file) and Redis (the suite's redis-server). SQLite's plans and Redis's command counts show the whole set is never read.
 */
jest.setTimeout(120_000);

const RECORDS = 10_000;
const START = Date.parse('2026-06-01T00:00:00.000Z');
/** Every 7th record replayed, every 11th (not 7th) resolved; the rest stay open. */
const statusOf = (index: number): DeadLetterStatus => (index % 7 === 0 ? 'replayed' : index % 11 === 0 ? 'resolved' : 'open');
const expectedCounts = () => {
  const counts = { open: 0, replayed: 0, resolved: 0, discarded: 0 };
  for (let index = 0; index < RECORDS; index++) counts[statusOf(index)] += 1;
  return counts;
};

function failure(index: number): NewDeadLetter {
  const event = paymentEvent({ id: `evt_q${index}`, provider: index % 2 === 0 ? 'stripe' : 'adyen' });
  return {
    idempotencyKey: event.idempotencyKey,
    provider: event.provider,
    kind: event.kind,
    event,
    origin: { destination: 'n8n' },
    error: { message: index % 3 === 0 ? 'HTTP 500 from n8n' : 'connection refused', httpStatus: index % 3 === 0 ? 500 : undefined },
    failedAt: new Date(START + index * 1000).toISOString(),
  };
}

/** Adds the records (100 at a time in flight) and sets their statuses; returns the ids by index. */
async function fill(store: CountingDeadLetterStore): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < RECORDS; start += 100) {
    const batch = Array.from({ length: Math.min(100, RECORDS - start) }, (_, offset) => start + offset);
    const records = await Promise.all(batch.map((index) => store.add(failure(index))));
    records.forEach((record, offset) => (ids[start + offset] = record.id));
    await Promise.all(batch.filter((index) => statusOf(index) !== 'open').map((index) => store.setStatus(ids[index], statusOf(index))));
  }
  return ids;
}

const dir = tempDir();
const redis = new Redis(process.env.REDIS_URL!);
const sqlite = new BetterSqlite3(join(dir.path, 'dead-letters.db'));
// Filling 10,000 records needs no fsync per change; the reads under test are the same.
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = OFF');
const redisPrefix = `test:dlq:${randomUUID()}:`;

afterAll(async () => {
  sqlite.close();
  await redis.quit();
  dir.remove();
});

const stores: Array<[string, () => CountingDeadLetterStore]> = [
  ['sqlite', () => new SqliteDeadLetterStore(sqlite)],
  ['redis', () => new RedisDeadLetterStore({ client: redis, keyPrefix: redisPrefix })],
];

describe.each(stores)('dead-letter reads over 10,000 records: %s', (_name, makeStore) => {
  const store = makeStore();
  let ids: string[];
  beforeAll(async () => {
    ids = await fill(store);
  });

  it('counts every status', async () => {
    expect(await store.countByStatus()).toEqual(expectedCounts());
  });

  it('lists at most the limit, newest first, of the statuses asked for', async () => {
    const page = await store.list({ status: 'open', limit: 100 });
    expect(page).toHaveLength(100);
    expect(page.every((record) => record.status === 'open')).toBe(true);
    const newestOpen = [...Array(RECORDS).keys()].reverse().filter((index) => statusOf(index) === 'open').slice(0, 100);
    expect(page.map((record) => record.id)).toEqual(newestOpen.map((index) => ids[index]));

    const closed = await store.list({ status: ['replayed', 'resolved'], limit: 3 });
    const newestClosed = [...Array(RECORDS).keys()].reverse().filter((index) => statusOf(index) !== 'open').slice(0, 3);
    expect(closed.map((record) => record.id)).toEqual(newestClosed.map((index) => ids[index]));
  });

  it('filters by provider, kind, time and error text in the store', async () => {
    const from = new Date(START + 9_000 * 1000).toISOString();
    const listed = await store.list({ status: 'open', provider: 'adyen', kind: 'payment.succeeded', from, errorContains: 'http 500', limit: 20 });
    const expected = [...Array(RECORDS).keys()]
      .reverse()
      .filter((index) => index >= 9_000 && statusOf(index) === 'open' && index % 2 === 1 && index % 3 === 0)
      .slice(0, 20);
    expect(listed.map((record) => record.id)).toEqual(expected.map((index) => ids[index]));
    expect(await store.list({ provider: 'nobody' })).toEqual([]);
  });

  it('keeps the counts right through a status change and a purge', async () => {
    const [record] = await store.list({ status: 'open', limit: 1 });
    await store.setStatus(record.id, 'discarded');
    expect((await store.countByStatus()).discarded).toBe(1);
    expect((await store.countByStatus()).open).toBe(expectedCounts().open - 1);
    // The first 1,000 records failed before this instant.
    expect(await store.purge(new Date(START + 1_000 * 1000).toISOString())).toBe(1_000);
    const counts = await store.countByStatus();
    expect(counts.open + counts.replayed + counts.resolved + counts.discarded).toBe(RECORDS - 1_000);
    expect(counts.replayed).toBe([...Array(RECORDS).keys()].filter((index) => index >= 1_000 && statusOf(index) === 'replayed').length);
  });
});

describe('how the stores answer', () => {
  it('SQLite lists a status page and counts on its indexes', () => {
    const plan = (sql: string, ...params: unknown[]) =>
      (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((row) => row.detail).join('; ');
    const page = plan("SELECT record FROM dead_letters WHERE status IN (?) ORDER BY last_failed_ms DESC, id DESC LIMIT ?", 'open', 100);
    expect(page).toMatch(/USING INDEX dead_letters_by_status/);
    expect(page).not.toMatch(/TEMP B-TREE/);
    expect(plan('SELECT status, COUNT(*) AS count FROM dead_letters GROUP BY status')).toMatch(/USING COVERING INDEX dead_letters_by_status/);
  });

  it('Redis reads one page of records for a limited list, and none for a count', async () => {
    const store = new RedisDeadLetterStore({ client: redis, keyPrefix: redisPrefix });
    const calls = async (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await redis.info('commandstats'))?.[1] ?? 0);
    const before = await calls('hgetall');
    expect(await store.list({ status: 'open', limit: 10 })).toHaveLength(10);
    await store.countByStatus();
    // One page of ids (100) at most, however many records there are.
    expect((await calls('hgetall')) - before).toBeLessThanOrEqual(100);
  });

  it('Redis files records written before the status index existed into it, once', async () => {
    const prefix = `test:dlq-old:${randomUUID()}:`;
    const store = new RedisDeadLetterStore({ client: redis, keyPrefix: prefix });
    const first = await store.add(failure(1));
    const second = await store.add(failure(2));
    await store.setStatus(second.id, 'resolved');
    // As an earlier version left them: records, by-time and the open index, no status sets.
    await redis.del(`${prefix}by-status:open`, `${prefix}by-status:resolved`, `${prefix}status-index-built`);
    const reopened = new RedisDeadLetterStore({ client: redis, keyPrefix: prefix });
    expect(await reopened.countByStatus()).toEqual({ open: 1, replayed: 0, resolved: 1, discarded: 0 });
    expect((await reopened.list({ status: 'open' })).map((record) => record.id)).toEqual([first.id]);
  });
});
