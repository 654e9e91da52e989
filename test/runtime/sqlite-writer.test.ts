import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStorage } from '../../runtime/src/storage/sqlite';
import { paymentEvent } from '../unit/risk/events';

/**
 * SQLite mode's group commits run on a writer thread over a connection of its own, so that a
 * commit (its inserts, its fsync, a wait for the file's lock) never holds the event loop that
 * reads, verifies and answers requests. What that must not cost: an event acknowledged before
 * its commit, a write of the main connection failing beside the writer's, or a request left
 * hanging when the thread is lost or the storage closes.
 */
jest.setTimeout(30_000);

let dir: string;
let file: string;
let storage: SqliteStorage;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-sqlite-writer-'));
  file = join(dir, 'runtime.db');
  storage = new SqliteStorage(file);
  await storage.start();
});
afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const anyLane = async () => 'standard' as const;

/** Rows of the events table, read by a connection of the test's own. */
function storedKeys(): string[] {
  const reader = new BetterSqlite3(file, { readonly: true });
  try {
    return (reader.prepare('SELECT key FROM events ORDER BY key').all() as Array<{ key: string }>).map((row) => row.key);
  } finally {
    reader.close();
  }
}

it('keeps the event loop turning while a commit waits for the lock, and acknowledges only once it has committed', async () => {
  const holder = new BetterSqlite3(file);
  holder.exec('BEGIN IMMEDIATE');
  let settled = false;
  const accepted = storage.accept(paymentEvent({ id: 'evt_waiting' }), ['receipts'], anyLane).finally(() => (settled = true));
  let ticks = 0;
  const ticking = setInterval(() => (ticks += 1), 10);
  await new Promise((resolve) => setTimeout(resolve, 300));
  clearInterval(ticking);
  // Committed on this thread, the wait for the lock would have stopped every timer (and this test's own release).
  expect(ticks).toBeGreaterThanOrEqual(10);
  expect(settled).toBe(false);
  holder.exec('ROLLBACK');
  holder.close();
  await expect(accepted).resolves.toBe('accepted');
  expect(storedKeys()).toEqual(['stripe:evt_waiting']);
});

it("never fails a write of the main connection that reads first (a dead letter) while the writer commits beside it", async () => {
  const origin = { destination: 'receipts' };
  const event = paymentEvent({ id: 'evt_failing' });
  const entry = { idempotencyKey: event.idempotencyKey, provider: 'stripe', kind: event.kind, event, origin, error: { message: 'HTTP 500' } };
  let accepting = true;
  const accepts = (async () => {
    let accepted = 0;
    while (accepting) {
      await Promise.all(Array.from({ length: 8 }, () => storage.accept(paymentEvent(), ['receipts'], anyLane)));
      accepted += 8;
    }
    return accepted;
  })();
  // Each add reads the open record of the same key, then updates it: a commit of the writer's
  // between the two would fail a transaction that had not taken the write lock first.
  const adds = 400;
  for (let index = 0; index < adds; index++) {
    await storage.deadLetters.add(entry);
    await new Promise((resolve) => setImmediate(resolve));
  }
  accepting = false;
  expect(await accepts).toBeGreaterThan(0);
  const [record] = await storage.deadLetters.list();
  expect(record.attempts).toBe(adds);
});

it('fails only the commits a lost writer thread held, and the next commit starts a new thread', async () => {
  await expect(storage.accept(paymentEvent({ id: 'evt_before' }), ['receipts'], anyLane)).resolves.toBe('accepted');
  const thread = (storage as unknown as { committer: { worker: Worker } }).committer.worker;
  const exited = new Promise((resolve) => thread.once('exit', resolve));
  const during = storage.accept(paymentEvent({ id: 'evt_during' }), ['receipts'], anyLane).then(
    (outcome) => outcome,
    (error: Error) => error.message,
  );
  await thread.terminate();
  await exited;
  // Either its commit reached the disk before the thread stopped, or it failed (the gateway retries); it never hangs.
  const outcome = await during;
  expect(['accepted', expect.stringContaining('the SQLite writer thread stopped')]).toContainEqual(outcome);
  await expect(storage.accept(paymentEvent({ id: 'evt_after' }), ['receipts'], anyLane)).resolves.toBe('accepted');
  const expected = ['stripe:evt_after', 'stripe:evt_before', ...(outcome === 'accepted' ? ['stripe:evt_during'] : [])].sort();
  expect(storedKeys()).toEqual(expected);
});

it('commits what is waiting before it closes', async () => {
  const events = Array.from({ length: 50 }, (_, index) => paymentEvent({ id: `evt_close_${String(index).padStart(2, '0')}` }));
  const outcomes = Promise.all(events.map((event) => storage.accept(event, ['receipts'], anyLane)));
  // Let the events through their idempotency read, so they wait for the group commit when the storage closes.
  await new Promise((resolve) => setImmediate(resolve));
  await storage.close();
  expect(await outcomes).toEqual(events.map(() => 'accepted'));
  expect(storedKeys()).toEqual(events.map((event) => event.idempotencyKey).sort());
  storage = new SqliteStorage(file);
});
