import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { dedupeKey, matchesFilter, newRecord, noCounts, parseInstant, statusesOf, withoutDestinationUrl } from '../../../core/deadletter/records';
import type {
  CountingDeadLetterStore,
  DeadLetterCounts,
  DeadLetterFilter,
  DeadLetterRecord,
  DeadLetterStatus,
  NewDeadLetter,
} from '../../../core/deadletter/types';

/** A list's SQL: the indexed columns filtered, ordered and limited by SQLite; provider and kind read from the JSON there too. */
function listQuery(filter: DeadLetterFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  // Deduplicated, so the statement cache holds at most one shape per set of statuses.
  const named = statusesOf(filter);
  const statuses = named && [...new Set(named)];
  if (statuses) {
    where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
    params.push(...statuses);
  }
  if (filter.from) {
    where.push('last_failed_ms >= ?');
    params.push(parseInstant(filter.from, 'from'));
  }
  if (filter.to) {
    where.push('last_failed_ms <= ?');
    params.push(parseInstant(filter.to, 'to'));
  }
  for (const field of ['provider', 'kind'] as const) {
    if (!filter[field]) continue;
    where.push(`json_extract(record, '$.${field}') = ?`);
    params.push(filter[field]);
  }
  // errorContains is matched in JavaScript (Unicode case folding), so the limit is applied there.
  const limited = filter.limit !== undefined && !filter.errorContains;
  if (limited) params.push(filter.limit);
  const sql =
    `SELECT record FROM dead_letters${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}` +
    ` ORDER BY last_failed_ms DESC, id DESC${limited ? ' LIMIT ?' : ''}`;
  return { sql, params };
}

/**
 * Dead letters in the embedded SQLite file, next to the queue: each record as JSON, with
 * the columns lookups need. Lists and counts run on the (status, last_failed_ms, id) index,
 * so the status page, metrics and alerts read a page or a count, never the whole table.
 * Matching and merging follow core/deadletter/records, like every other store; one
 * transaction per change.
 */
export class SqliteDeadLetterStore implements CountingDeadLetterStore {
  private readonly insert: Statement;
  private readonly update: Statement;
  private readonly byId: Statement;
  private readonly openByDedupeKey: Statement;
  private readonly deleteBefore: Statement;
  private readonly countStatuses: Statement;
  /** Lists' statements by SQL text: a few dozen shapes at most (which filter fields are set). */
  private readonly listStatements = new Map<string, Statement>();

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
      CREATE INDEX IF NOT EXISTS dead_letters_by_status ON dead_letters (status, last_failed_ms, id);
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
    this.countStatuses = db.prepare('SELECT status, COUNT(*) AS count FROM dead_letters GROUP BY status');
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
    return found ? parseRecord(found.record) : null;
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
    const { sql, params } = listQuery(filter);
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.listStatements.set(sql, statement);
    }
    const limit = filter.limit ?? Infinity;
    const found: DeadLetterRecord[] = [];
    // Rows come newest first; iterating stops reading at the limit.
    for (const row of statement.iterate(...params) as IterableIterator<{ record: string }>) {
      if (found.length >= limit) break;
      const record = parseRecord(row.record);
      if (matchesFilter(record, filter)) found.push(record);
    }
    return found;
  }

  async countByStatus(): Promise<DeadLetterCounts> {
    const counts = noCounts();
    for (const { status, count } of this.countStatuses.all() as Array<{ status: DeadLetterStatus; count: number }>) counts[status] = count;
    return counts;
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

/** Every read goes through here, so a record from before keeps no destination URL (withoutDestinationUrl). */
function parseRecord(text: string): DeadLetterRecord {
  return withoutDestinationUrl(JSON.parse(text) as DeadLetterRecord);
}
