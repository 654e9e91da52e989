import { join } from 'node:path';
import { CachedRead } from '../../../runtime/src/cached-read';
import { DEAD_LETTER_COUNTS_MAX_AGE_MS, cachedDeadLetterCounts } from '../../../runtime/src/deadletter/counts';
import { openStorage } from '../../../runtime/src/storage/open';
import type { RuntimeStorage } from '../../../runtime/src/storage/types';
import { paymentEvent } from '../../unit/risk/events';
import { tempDir } from '../support/harness';

/**
 * The dead-letter counts metrics, the status page and alerts share: read from the storage (a
 * real SQLite file) at most once per max age (2 s), by one read however many ask at once,
 * and again at once after this process writes a dead letter.
 */
const dir = tempDir();
let storage: RuntimeStorage;
beforeAll(async () => {
  storage = await openStorage(`sqlite:${join(dir.path, 'counts.db')}`, { destinations: ['n8n'] });
});
afterAll(async () => {
  await storage.close();
  dir.remove();
});

const deadLetter = () => {
  const event = paymentEvent();
  return storage.deadLetters.add({ idempotencyKey: event.idempotencyKey, provider: 'stripe', kind: event.kind, event, origin: { destination: 'n8n' }, error: { message: 'HTTP 500' } });
};

it('serves counts up to the max age, shares one read, and reads again when invalidated or older', async () => {
  let now = 1_000_000;
  const counts = new CachedRead(() => storage.deadLetters.countByStatus(), DEAD_LETTER_COUNTS_MAX_AGE_MS, () => now);
  await deadLetter();
  const first = counts.get();
  expect(counts.get()).toBe(first);
  expect((await first).open).toBe(1);

  // Written by someone else: not seen until the counts are 2 s old.
  await deadLetter();
  now += 1_999;
  expect((await counts.get()).open).toBe(1);
  now += 1;
  expect((await counts.get()).open).toBe(2);

  // Written by this process, which invalidates: seen at once.
  const record = await deadLetter();
  counts.invalidate();
  expect((await counts.get()).open).toBe(3);
  await storage.deadLetters.setStatus(record.id, 'resolved');
  counts.invalidate();
  expect(await counts.get()).toEqual({ open: 2, replayed: 0, resolved: 1, discarded: 0 });
});

it('does not keep a count that started before an invalidation', async () => {
  const counts = cachedDeadLetterCounts(storage.deadLetters);
  const before = (await counts.get()).open;
  counts.invalidate();
  const started = counts.get();
  await deadLetter();
  counts.invalidate();
  expect((await started).open).toBe(before);
  expect((await counts.get()).open).toBe(before + 1);
});
