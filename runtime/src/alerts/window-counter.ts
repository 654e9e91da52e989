/**
 * Counts events per key over a sliding window kept in fixed buckets: a count costs the same
 * however many events came before it, and each key keeps `buckets` numbers, never a list of
 * times. The window it reports covers the current bucket and the `buckets - 1` before it, so
 * between (buckets - 1) / buckets of `windowMs` and all of it.
 */
export const WINDOW_BUCKETS = 10;

interface Window {
  counts: number[];
  /** Index (time / bucketMs) of the newest bucket counted into. */
  newest: number;
  total: number;
}

export class BucketedWindowCounter {
  private readonly bucketMs: number;
  private readonly windows = new Map<string, Window>();

  constructor(
    windowMs: number,
    private readonly buckets = WINDOW_BUCKETS,
  ) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / buckets));
  }

  /** Counts one event for `key` at `now` (epoch ms); returns how many the window holds, this one included. */
  add(key: string, now: number): number {
    const bucket = Math.floor(now / this.bucketMs);
    let window = this.windows.get(key);
    if (!window) {
      window = { counts: new Array<number>(this.buckets).fill(0), newest: bucket, total: 0 };
      this.windows.set(key, window);
    }
    // Empty the buckets that slid out of the window since the newest one (at most all of them).
    for (let step = 1; step <= Math.min(bucket - window.newest, this.buckets); step++) {
      const slot = (window.newest + step) % this.buckets;
      window.total -= window.counts[slot];
      window.counts[slot] = 0;
    }
    // A clock that stepped back counts into the newest bucket rather than one that was reused.
    window.newest = Math.max(window.newest, bucket);
    window.counts[window.newest % this.buckets] += 1;
    window.total += 1;
    return window.total;
  }
}
