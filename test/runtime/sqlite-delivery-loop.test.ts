import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { SqliteStorage } from '../../runtime/src/storage/sqlite';
import type { DeliveryJob } from '../../runtime/src/storage/types';
import { paymentEvent } from '../unit/risk/events';

/**
 * SQLite's delivery loop sleeps until the next delivery it can lease falls due. What it asks
 * the file to learn that must not grow with the history kept (a week of finished deliveries),
 * and a delivery it will never lease (its destination was removed from the config) must not
 * wake it without pause.
 */
let dir: string;
let storage: SqliteStorage;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-delivery-loop-'));
  storage = new SqliteStorage(join(dir, 'runtime.db'));
});
afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The storage's private parts this file looks at. */
type Inside = { untilNextDue: (...args: unknown[]) => number; statements: { nextDue: Statement } };

it('stays idle while a delivery waits for a destination that is no longer configured', async () => {
  await storage.enqueue(paymentEvent(), ['removed-destination'], 'standard');
  const inside = storage as unknown as Inside;
  const untilNextDue = inside.untilNextDue.bind(storage);
  let wakes = 0;
  inside.untilNextDue = (...args) => {
    wakes += 1;
    return untilNextDue(...args);
  };
  const delivered: DeliveryJob[] = [];
  await storage.consume({
    concurrency: { receipts: 4 },
    handler: async (job) => {
      delivered.push(job);
      return { status: 'done' };
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 700));
  await storage.stopConsuming();
  expect(delivered).toEqual([]);
  // The idle poll is 250 ms: about three wakes in 700 ms. Counting the removed destination's
  // delivery, due long ago, woke the loop without pause (hundreds of times).
  expect(wakes).toBeLessThanOrEqual(5);
});

it('finds the next due delivery with index seeks, however many finished deliveries are kept', () => {
  const { nextDue } = (storage as unknown as Inside).statements;
  const plan = (storage as unknown as { db: { prepare(sql: string): Statement } }).db.prepare(`EXPLAIN QUERY PLAN ${nextDue.source}`).all('receipts', 0) as Array<{ detail: string }>;
  // Every column before due_at in the index is bound, so min(due_at) is one seek, not a scan.
  expect(plan.map(({ detail }) => detail)).toEqual(['SEARCH deliveries USING COVERING INDEX deliveries_next (destination=? AND state=? AND lane_rank=?)']);
});
