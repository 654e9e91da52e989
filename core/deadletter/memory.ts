import { randomUUID } from 'node:crypto';
import { dedupeKey, matchesFilter, newRecord, newestFirst, parseInstant } from './records';
import type { DeadLetterFilter, DeadLetterRecord, DeadLetterStatus, DeadLetterStore, NewDeadLetter } from './types';

export interface MemoryDeadLetterStoreOptions {
  now?: () => Date;
}

/** Dead letters in this process's memory: for tests and single-process demos. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly records = new Map<string, DeadLetterRecord>();
  private readonly now: () => Date;

  constructor(options: MemoryDeadLetterStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async add(entry: NewDeadLetter): Promise<DeadLetterRecord> {
    const key = dedupeKey(entry);
    const open = [...this.records.values()].find((r) => r.status === 'open' && dedupeKey(r) === key);
    if (!open) {
      const record = newRecord(entry, randomUUID(), this.now());
      this.records.set(record.id, record);
      return structuredClone(record);
    }
    const at = entry.failedAt ?? this.now().toISOString();
    open.attempts += entry.attempts ?? 1;
    if (Date.parse(at) >= Date.parse(open.lastFailedAt)) {
      open.lastFailedAt = at;
      open.error = entry.error;
    }
    return structuredClone(open);
  }

  async get(id: string): Promise<DeadLetterRecord | null> {
    const record = this.records.get(id);
    return record ? structuredClone(record) : null;
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterRecord[]> {
    const matching = [...this.records.values()].filter((r) => matchesFilter(r, filter)).sort(newestFirst);
    return structuredClone(filter.limit === undefined ? matching : matching.slice(0, filter.limit));
  }

  async setStatus(id: string, status: DeadLetterStatus, note?: string): Promise<DeadLetterRecord | null> {
    const record = this.records.get(id);
    if (!record) return null;
    record.status = status;
    record.history.push({ at: this.now().toISOString(), status, ...(note ? { note } : {}) });
    return structuredClone(record);
  }

  async purge(before: string): Promise<number> {
    const cutoff = parseInstant(before, 'before');
    let removed = 0;
    for (const [id, record] of this.records) {
      if (Date.parse(record.lastFailedAt) < cutoff) {
        this.records.delete(id);
        removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {}
}
