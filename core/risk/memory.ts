import type { RiskWindowStore, WindowOp } from './types';

/**
 * Windows in this process's memory: for the runtime's embedded mode and for tests. The same
 * semantics as the Redis store, but nothing is shared between processes.
 */
export class MemoryRiskWindowStore implements RiskWindowStore {
  private readonly windows = new Map<string, Map<string, number>>();
  private readonly buckets = new Map<string, Map<number, number>>();

  async slide(ops: WindowOp[], now: number): Promise<number[]> {
    return ops.map(({ key, windowMs, member }) => {
      let window = this.windows.get(key);
      if (!window) this.windows.set(key, (window = new Map()));
      // A Map iterates in insertion order and a refreshed member is re-inserted, so members
      // are in time order: expiry stops at the first live one instead of scanning the window.
      for (const [name, at] of window) {
        if (at > now - windowMs) break;
        window.delete(name);
      }
      if (member !== undefined) {
        window.delete(member);
        window.set(member, now);
      }
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
