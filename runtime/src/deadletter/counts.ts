import type { CountingDeadLetterStore, DeadLetterCounts } from '../../../core/deadletter/types';
import { CachedRead } from '../cached-read';

/**
 * Dead-letter counts by status for the metrics, the status page and the alerts, counted by
 * the storage at most once per `maxAgeMs` however many scrapes, polls and alert checks ask.
 *
 * Why an age limit and not only invalidation on write: other processes write dead letters
 * too (workers sharing Redis, the `dead-letters` CLI on the SQLite file), and this process
 * never hears of them; the age bounds how stale their changes can look. This process's own
 * new dead letters invalidate the counts (observability.ts), so an alert threshold is checked
 * against a count that includes the letter just written (one indexed count per new dead letter).
 */
export const DEAD_LETTER_COUNTS_MAX_AGE_MS = 2_000;

export type CachedDeadLetterCounts = CachedRead<DeadLetterCounts>;

export function cachedDeadLetterCounts(store: CountingDeadLetterStore): CachedDeadLetterCounts {
  return new CachedRead(() => store.countByStatus(), DEAD_LETTER_COUNTS_MAX_AGE_MS);
}
