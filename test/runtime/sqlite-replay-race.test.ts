import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStorage } from '../../runtime/src/storage/sqlite';
import type { DeliveryJob, DeliveryOutcome } from '../../runtime/src/storage/types';
import { paymentEvent } from '../unit/risk/events';
import { tempDir, waitFor } from './support/harness';

/**
 * A dead-letter replay can requeue an event while the attempt that dead-lettered it is still
 * finishing (it notifies the dead-letter URL before it reports). That late report must land
 * on its own lease only: were it to mark the replay's lease, the replay would count as
 * delivered and its retry would be lost.
 */
const dir = tempDir();
afterAll(() => dir.remove());

it("an earlier attempt's late outcome does not finish the replay's lease", async () => {
  const storage = new SqliteStorage(join(dir.path, 'replay-race.db'));
  const calls: Array<{ job: DeliveryJob; finish: (outcome: DeliveryOutcome) => void }> = [];
  await storage.consume({ concurrency: { n8n: 4 }, handler: (job) => new Promise((finish) => calls.push({ job, finish })) });
  const event = paymentEvent();
  try {
    await storage.enqueue(event, ['n8n'], 'standard');
    await waitFor(() => calls.length === 1, 'the first attempt');
    await storage.requeue(event, 'n8n', 'standard');
    await waitFor(() => calls.length === 2, "the replay's attempt, while the first is still running");

    calls[0].finish({ status: 'done' });
    calls[1].finish({ status: 'retry', delayMs: 0, error: 'the destination answered HTTP 500' });
    await waitFor(() => calls.length === 3, "the replay's retry");
    expect(calls.map((call) => call.job.attempt)).toEqual([1, 1, 2]);

    calls[2].finish({ status: 'done' });
    await waitFor(async () => (await storage.backlog()) === 0, 'the replay delivered');
  } finally {
    for (const call of calls) call.finish({ status: 'done' });
    await storage.close();
  }
});

it('opens a file written before leases were numbered and delivers what it holds', async () => {
  const file = join(dir.path, 'before-lease-ids.db');
  const event = paymentEvent();
  const old = new BetterSqlite3(file);
  old.exec(`
    CREATE TABLE events (key TEXT PRIMARY KEY, body TEXT NOT NULL, stored_at INTEGER NOT NULL);
    CREATE TABLE deliveries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      event_key TEXT NOT NULL REFERENCES events (key),
      destination TEXT NOT NULL,
      lane_rank INTEGER NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'delivered')),
      attempts INTEGER NOT NULL DEFAULT 0,
      due_at INTEGER NOT NULL,
      last_error TEXT,
      UNIQUE (event_key, destination)
    );
  `);
  old.prepare('INSERT INTO events (key, body, stored_at) VALUES (?, ?, ?)').run(event.idempotencyKey, JSON.stringify(event), Date.now());
  old.prepare(`INSERT INTO deliveries (event_key, destination, lane_rank, state, due_at) VALUES (?, 'n8n', 1, 'queued', ?)`).run(event.idempotencyKey, Date.now());
  old.close();

  const storage = new SqliteStorage(file);
  const delivered: string[] = [];
  try {
    await storage.consume({ concurrency: { n8n: 1 }, handler: async (job) => (delivered.push(job.event.idempotencyKey), { status: 'done' }) });
    await waitFor(async () => (await storage.backlog()) === 0, 'the stored delivery');
    expect(delivered).toEqual([event.idempotencyKey]);
  } finally {
    await storage.close();
  }
});
