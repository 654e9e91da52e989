import type { CountingDeadLetterStore, DeadLetterCounts } from '../../../core/deadletter/types';

/**
 * Dead-letter counts by status for the metrics, the status page and the alerts, so however
 * many scrapes, polls and alert checks come, the storage counts at most once per `maxAgeMs`
 * and askers at the same time share one count.
 *
 * Why an age limit and not only invalidation on write: other processes write dead letters
 * too (workers sharing Redis, the `dead-letters` CLI on the SQLite file), and this process
 * never hears of them; `maxAgeMs` bounds how stale their changes can look. This process's own
 * new dead letters `invalidate()` the counts, so an alert threshold is checked against a count
 * that includes the letter just written (one indexed count per new dead letter).
 */
export const DEAD_LETTER_COUNTS_MAX_AGE_MS = 2_000;

export class CachedDeadLetterCounts {
  private cached?: { counts: DeadLetterCounts; at: number };
  private reading?: Promise<DeadLetterCounts>;
  /** Bumped by invalidate(), so a count started before it is not kept. */
  private generation = 0;
  private readonly now: () => number;

  constructor(
    private readonly store: CountingDeadLetterStore,
    private readonly maxAgeMs = DEAD_LETTER_COUNTS_MAX_AGE_MS,
    now?: () => number,
  ) {
    this.now = now ?? Date.now;
  }

  get(): Promise<DeadLetterCounts> {
    if (this.cached && this.now() - this.cached.at < this.maxAgeMs) return Promise.resolve(this.cached.counts);
    this.reading ??= this.read();
    return this.reading;
  }

  invalidate(): void {
    this.generation += 1;
    this.cached = undefined;
    this.reading = undefined;
  }

  private async read(): Promise<DeadLetterCounts> {
    const generation = this.generation;
    const at = this.now();
    try {
      const counts = await this.store.countByStatus();
      if (generation === this.generation) this.cached = { counts, at };
      return counts;
    } finally {
      if (generation === this.generation) this.reading = undefined;
    }
  }
}
