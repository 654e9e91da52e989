import type { RiskWindowStore, WindowOp } from './types';

/**
 * Every window of one length: each window's members with their latest sighting, and all
 * sightings in time order. Expiry takes sightings from the oldest end, across all windows,
 * and forgets a member only when the sighting taken is its latest (a refreshed member
 * outlives its earlier sightings); a window left empty is dropped, so a customer seen once
 * costs nothing after its window has passed, and no step scans a window.
 */
class WindowsOfLength {
  readonly windows = new Map<string, Map<string, number>>();
  private keys: string[] = [];
  private members: string[] = [];
  private times: number[] = [];
  private head = 0;

  /** Sightings come in time order: the runtime scores events as its clock reads them. */
  see(key: string, member: string, at: number): number {
    let window = this.windows.get(key);
    if (window === undefined) this.windows.set(key, (window = new Map()));
    window.set(member, at);
    this.keys.push(key);
    this.members.push(member);
    this.times.push(at);
    return window.size;
  }

  expire(cutoff: number): void {
    const { keys, members, times } = this;
    let head = this.head;
    while (head < times.length && times[head] <= cutoff) {
      const window = this.windows.get(keys[head]);
      if (window !== undefined && window.get(members[head]) === times[head]) {
        window.delete(members[head]);
        if (window.size === 0) this.windows.delete(keys[head]);
      }
      head += 1;
    }
    this.head = head;
    // Drop the taken sightings once they are most of the arrays: amortized O(1) per sighting.
    if (head > 1024 && head * 2 > times.length) {
      this.keys = keys.slice(head);
      this.members = members.slice(head);
      this.times = times.slice(head);
      this.head = 0;
    }
  }
}

/**
 * Windows in this process's memory: for the runtime's embedded mode and for tests. The same
 * semantics as the Redis store, but nothing is shared between processes.
 */
export class MemoryRiskWindowStore implements RiskWindowStore {
  /** By window length, so that each length's sightings expire in time order. */
  private readonly lengths = new Map<number, WindowsOfLength>();
  private readonly buckets = new Map<string, Map<number, number>>();

  async slide(ops: WindowOp[], now: number): Promise<number[]> {
    for (const [windowMs, windows] of this.lengths) windows.expire(now - windowMs);
    return ops.map(({ key, windowMs, member }) => {
      let windows = this.lengths.get(windowMs);
      if (member === undefined) return windows?.windows.get(key)?.size ?? 0;
      if (windows === undefined) this.lengths.set(windowMs, (windows = new WindowsOfLength()));
      return windows.see(key, member, now);
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
    this.lengths.clear();
    this.buckets.clear();
  }
}
