import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { SqliteStorage } from '../../runtime/src/storage/sqlite';
import type { DeliveryJob } from '../../runtime/src/storage/types';
import { paymentEvent } from '../unit/risk/events';

/**
 * What SQLite mode reads while it works must not grow with the history it keeps (a week of
 * finished deliveries): the delivery loop's next due time, read each time it wakes, and the
 * queue's depth per destination and lane, read by every /metrics scrape and status page. Both
 * run on the event loop that acknowledges events. And a delivery the loop will never lease (its
 * destination was removed from the config) must not wake it without pause.
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
type Inside = {
  untilNextDue: (...args: unknown[]) => number;
  statements: Record<'nextDue' | 'queuedDestinations' | 'queueStat', Statement>;
  db: { prepare(sql: string): Statement };
};

/** How SQLite would run one of the storage's statements. */
function planOf(name: keyof Inside['statements'], ...params: unknown[]): string[] {
  const inside = storage as unknown as Inside;
  const plan = inside.db.prepare(`EXPLAIN QUERY PLAN ${inside.statements[name].source}`).all(...params) as Array<{ detail: string }>;
  return plan.map(({ detail }) => detail);
}

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
  // Every column before due_at in the index is bound, so min(due_at) is one seek, not a scan.
  expect(planOf('nextDue', 'receipts', 0)).toEqual(['SEARCH deliveries USING COVERING INDEX deliveries_next (destination=? AND state=? AND lane_rank=?)']);
});

it("reads the queue's depth per destination and lane from ranges of the index, never the whole table", async () => {
  await storage.enqueue(paymentEvent({ id: 'evt_a' }), ['receipts', 'crm'], 'priority');
  await storage.enqueue(paymentEvent({ id: 'evt_b' }), ['receipts'], 'review');
  const stats = await storage.queueStats();
  expect(stats.map(({ destination, lane, depth }) => ({ destination, lane, depth }))).toEqual([
    { destination: 'crm', lane: 'priority', depth: 1 },
    { destination: 'receipts', lane: 'priority', depth: 1 },
    { destination: 'receipts', lane: 'review', depth: 1 },
  ]);
  expect(await storage.backlog()).toBe(3);
  const plans = [...planOf('queuedDestinations'), ...planOf('queueStat', 'receipts', 0)];
  expect(plans.filter((detail) => /^SCAN (deliveries|d)\b/.test(detail))).toEqual([]);
  expect(plans).toContain('SEARCH d USING INDEX deliveries_next (destination=? AND state=? AND lane_rank=?)');
  expect(plans).toContain('SEARCH deliveries USING COVERING INDEX deliveries_next (destination>?)');
});
