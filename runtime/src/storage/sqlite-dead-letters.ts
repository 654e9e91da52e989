import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { dedupeKey, matchesFilter, newRecord, newestFirst, parseInstant } from '../../../core/deadletter/records';
import type {
  DeadLetterFilter,
  DeadLetterRecord,
  DeadLetterStatus,
  DeadLetterStore,
  NewDeadLetter,
} from '../../../core/deadletter/types';

/**
 * Dead letters in the embedded SQLite file, next to the queue: each record as JSON, with
 * the columns lookups need. Matching, ordering and merging follow core/deadletter/records,
 * like every other store; one transaction per change.
 */
export class SqliteDeadLetterStore implements DeadLetterStore {
  private readonly insert: Statement;
  private readonly update: Statement;
  private readonly byId: Statement;
  private readonly openByDedupeKey: Statement;
  private readonly deleteBefore: Statement;

  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS dead_letters (
        id TEXT PRIMARY KEY,
        dedupe_key TEXT NOT NULL,
        status TEXT NOT NULL,
        last_failed_ms INTEGER NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS dead_letters_open ON dead_letters (dedupe_key, status);
      CREATE INDEX IF NOT EXISTS dead_letters_by_time ON dead_letters (last_failed_ms);
    `);
    this.insert = db.prepare(
      'INSERT INTO dead_letters (id, dedupe_key, status, last_failed_ms, record) VALUES (@id, @dedupeKey, @status, @lastFailedMs, @record)',
    );
    this.update = db.prepare(
      'UPDATE dead_letters SET status = @status, last_failed_ms = @lastFailedMs, record = @record WHERE id = @id',
    );
    this.byId = db.prepare('SELECT record FROM dead_letters WHERE id = ?');
    this.openByDedupeKey = db.prepare("SELECT record FROM dead_letters WHERE dedupe_key = ? AND status = 'open' LIMIT 1");
    this.deleteBefore = db.prepare('DELETE FROM dead_letters WHERE last_failed_ms < ?');
  }

  private row(record: DeadLetterRecord) {
    return {
      id: record.id,
      dedupeKey: dedupeKey(record),
      status: record.status,
      lastFailedMs: Date.parse(record.lastFailedAt),
      record: JSON.stringify(record),
    };
  }

  private read(statement: Statement, ...params: unknown[]): DeadLetterRecord | null {
    const found = statement.get(...params) as { record: string } | undefined;
    return found ? (JSON.parse(found.record) as DeadLetterRecord) : null;
  }

  async add(entry: NewDeadLetter): Promise<DeadLetterRecord> {
    return this.db.transaction(() => {
      const open = this.read(this.openByDedupeKey, dedupeKey(entry));
      if (!open) {
        const record = newRecord(entry, randomUUID(), this.now());
        this.insert.run(this.row(record));
        return record;
      }
      const at = entry.failedAt ?? this.now().toISOString();
      open.attempts += entry.attempts ?? 1;
      if (Date.parse(at) >= Date.parse(open.lastFailedAt)) {
        open.lastFailedAt = at;
        open.error = entry.error;
      }
      this.update.run(this.row(open));
      return open;
    })();
  }

  async get(id: string): Promise<DeadLetterRecord | null> {
    return this.read(this.byId, id);
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterRecord[]> {
    const rows = this.db.prepare('SELECT record FROM dead_letters').all() as Array<{ record: string }>;
    const matching = rows
      .map((row) => JSON.parse(row.record) as DeadLetterRecord)
      .filter((record) => matchesFilter(record, filter))
      .sort(newestFirst);
    return filter.limit === undefined ? matching : matching.slice(0, filter.limit);
  }

  async setStatus(id: string, status: DeadLetterStatus, note?: string): Promise<DeadLetterRecord | null> {
    return this.db.transaction(() => {
      const record = this.read(this.byId, id);
      if (!record) return null;
      record.status = status;
      record.history.push({ at: this.now().toISOString(), status, ...(note ? { note } : {}) });
      this.update.run(this.row(record));
      return record;
    })();
  }

  async purge(before: string): Promise<number> {
    return this.deleteBefore.run(parseInstant(before, 'before')).changes;
  }

  /** The database belongs to the storage that opened it, which closes it. */
  async close(): Promise<void> {}
}
