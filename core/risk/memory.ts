import type { RiskWindowStore, WindowOp } from './types';

/**
 * One sliding window of distinct members: each member's latest sighting, and every sighting
 * in time order. Expiry takes sightings from the oldest end and forgets a member only when
 * the sighting taken is its latest, so a refreshed member outlives its earlier sightings, and
 * no step scans the window (a Map iterated from its front after deletions walks their holes).
 */
class SlidingWindow {
  private readonly latest = new Map<string, number>();
  private members: string[] = [];
  private times: number[] = [];
  private head = 0;

  get size(): number {
    return this.latest.size;
  }

  expire(cutoff: number): void {
    while (this.head < this.times.length && this.times[this.head] <= cutoff) {
      const member = this.members[this.head];
      if (this.latest.get(member) === this.times[this.head]) this.latest.delete(member);
      this.head += 1;
    }
    // Drop the taken sightings once they are most of the arrays: amortized O(1) per sighting.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.members = this.members.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  see(member: string, at: number): void {
    this.latest.set(member, at);
    this.members.push(member);
    this.times.push(at);
  }
}

/**
 * Windows in this process's memory: for the runtime's embedded mode and for tests. The same
 * semantics as the Redis store, but nothing is shared between processes.
 */
export class MemoryRiskWindowStore implements RiskWindowStore {
  private readonly windows = new Map<string, SlidingWindow>();
  private readonly buckets = new Map<string, Map<number, number>>();

  async slide(ops: WindowOp[], now: number): Promise<number[]> {
    return ops.map(({ key, windowMs, member }) => {
      let window = this.windows.get(key);
      if (!window) {
        // Counting a window nobody was seen in: nothing to keep.
        if (member === undefined) return 0;
        this.windows.set(key, (window = new SlidingWindow()));
      }
      window.expire(now - windowMs);
      if (member !== undefined) window.see(member, now);
      if (window.size === 0) this.windows.delete(key);
      return window.size;
    });
  }

  async bucket(key: string, now: number, bucketMs: number, history: number): Promise<number[]> {
    let counts = this.buckets.get(key);
    if (!counts) this.buckets.set(key, (counts = new Map()));
    const current = Math.floor(now / bucketMs);
    counts.set(current, (counts.get(current) ?? 0) + 1);
    for (const index of counts.keys()) if (index <= current - history) counts.delete(index);
    return Array.from({ length: history }, (_, i) => counts.get(current - history + 1 + i) ?? 0);
  }

  async close(): Promise<void> {
    this.windows.clear();
    this.buckets.clear();
  }
}
