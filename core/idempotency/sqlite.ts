import { randomUUID } from 'node:crypto';

import {
  DEFAULT_RETENTION_MS,
  type ClaimOptions,
  type ClaimResult,
  type CompleteOptions,
  type IdempotencyRecord,
  type IdempotencyStore,
} from './types';

/**
 * The part of a better-sqlite3 `Database` this store uses, declared here so core does
 * not depend on the native module: the runtime passes its own instance (one database
 * file holds the queue, idempotency keys and dead letters).
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
}

export interface SqliteDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
}

export interface SqliteIdempotencyStoreOptions {
  database: SqliteDatabase;
  tableName?: string;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

interface Row {
  state: 'claimed' | 'completed';
  token: string | null;
  result: string | null;
  completed_at: number | null;
  expires_at: number;
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One row per key. `expires_at` is the lease's end while claimed and the retention's end
 * once completed; an expired row counts as absent. Each transition is one transaction
 * (BEGIN IMMEDIATE takes the write lock first, so processes sharing the file serialize).
 * The database's lifetime belongs to the caller: `close()` leaves it open.
 */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly database: SqliteDatabase;
  private readonly now: () => number;
  private readonly statements: {
    select: SqliteStatement;
    upsertClaim: SqliteStatement;
    upsertCompleted: SqliteStatement;
    complete: SqliteStatement;
    release: SqliteStatement;
    purge: SqliteStatement;
  };

  constructor(options: SqliteIdempotencyStoreOptions) {
    const table = options.tableName ?? 'idempotency_keys';
    if (!TABLE_NAME.test(table)) throw new Error(`invalid SQLite table name: ${table}`);
    this.database = options.database;
    this.now = options.now ?? Date.now;
    this.database.exec(`CREATE TABLE IF NOT EXISTS ${table} (
      key TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('claimed', 'completed')),
      token TEXT,
      result TEXT,
      completed_at INTEGER,
      expires_at INTEGER NOT NULL
    )`);
    const prepare = (sql: string) => this.database.prepare(sql);
    this.statements = {
      select: prepare(`SELECT state, token, result, completed_at, expires_at FROM ${table} WHERE key = ? AND expires_at > ?`),
      upsertClaim: prepare(
        `INSERT INTO ${table} (key, state, token, result, completed_at, expires_at) VALUES (?, 'claimed', ?, NULL, NULL, ?)
         ON CONFLICT (key) DO UPDATE SET state = 'claimed', token = excluded.token, result = NULL,
           completed_at = NULL, expires_at = excluded.expires_at`,
      ),
      upsertCompleted: prepare(
        `INSERT INTO ${table} (key, state, token, result, completed_at, expires_at) VALUES (?, 'completed', NULL, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET state = 'completed', token = NULL, result = excluded.result,
           completed_at = excluded.completed_at, expires_at = excluded.expires_at`,
      ),
      complete: prepare(
        `UPDATE ${table} SET state = 'completed', token = NULL, result = ?, completed_at = ?, expires_at = ?
         WHERE key = ? AND state = 'claimed' AND token = ? AND expires_at > ?`,
      ),
      release: prepare(`DELETE FROM ${table} WHERE key = ? AND state = 'claimed' AND token = ? AND expires_at > ?`),
      purge: prepare(`DELETE FROM ${table} WHERE expires_at <= ?`),
    };
  }

  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    return this.transaction(() => {
      const now = this.now();
      const row = this.statements.select.get(key, now) as Row | undefined;
      if (row?.state === 'completed') {
        return { status: 'duplicate', result: parseResult(row.result), completedAt: row.completed_at ?? 0 };
      }
      if (row) return { status: 'in_progress', leaseExpiresAt: row.expires_at };
      const token = randomUUID();
      const leaseExpiresAt = now + options.leaseMs;
      this.statements.upsertClaim.run(key, token, leaseExpiresAt);
      return { status: 'new', token, leaseExpiresAt };
    });
  }

  async complete(key: string, token: string, result: unknown, options: CompleteOptions = {}): Promise<boolean> {
    const now = this.now();
    const expiresAt = now + (options.retentionMs ?? DEFAULT_RETENTION_MS);
    const { changes } = this.statements.complete.run(JSON.stringify(result ?? null), now, expiresAt, key, token, now);
    return changes === 1;
  }

  /**
   * Records the key completed in one step, without a claim, unless a live record holds it:
   * `duplicate` when it is already completed, `in_progress` when another caller's claim runs
   * (that holder completes it). Synchronous and without a transaction of its own, so a caller
   * can record the key in the same transaction as the work it guards (the runtime's group commit).
   */
  recordCompletedSync(key: string, result: unknown, options: CompleteOptions = {}): 'recorded' | 'duplicate' | 'in_progress' {
    const now = this.now();
    const row = this.statements.select.get(key, now) as Row | undefined;
    if (row) return row.state === 'completed' ? 'duplicate' : 'in_progress';
    this.statements.upsertCompleted.run(key, JSON.stringify(result ?? null), now, now + (options.retentionMs ?? DEFAULT_RETENTION_MS));
    return 'recorded';
  }

  async release(key: string, token: string): Promise<boolean> {
    return this.statements.release.run(key, token, this.now()).changes === 1;
  }

  async get(key: string): Promise<IdempotencyRecord | null> {
    const row = this.statements.select.get(key, this.now()) as Row | undefined;
    if (!row) return null;
    if (row.state === 'claimed') return { key, state: 'claimed', leaseExpiresAt: row.expires_at };
    return {
      key,
      state: 'completed',
      result: parseResult(row.result),
      completedAt: row.completed_at ?? 0,
      expiresAt: row.expires_at,
    };
  }

  /** Deletes expired claims and records past their retention; returns how many. */
  async purgeExpired(): Promise<number> {
    return this.statements.purge.run(this.now()).changes;
  }

  async close(): Promise<void> {
    // The database is the caller's (it is shared with the queue and dead letters).
  }

  private transaction<T>(work: () => T): T {
    this.database.exec('BEGIN IMMEDIATE');
    try {
      const value = work();
      this.database.exec('COMMIT');
      return value;
    } catch (error) {
      this.database.exec('ROLLBACK');
      throw error;
    }
  }
}

function parseResult(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}
