import type { Database, Statement } from 'better-sqlite3';
import { SqliteIdempotencyStore } from '../../../core/idempotency/sqlite';

/** One event to store: its key, its JSON and its deliveries' lane. */
export interface AcceptRow {
  key: string;
  body: string;
  destinations: readonly string[];
  laneRank: number;
}

/** A finished attempt: `dueAt` is when it finished (done) or when it is due again (retry). */
export interface OutcomeRow {
  seq: number;
  leaseId: number;
  done: boolean;
  dueAt: number;
  error?: string;
}

/** A leased delivery, with its event's body and facts, as the commit that leased it read them. */
export interface LeasedRow {
  seq: number;
  lease_id: number;
  event_key: string;
  destination: string;
  lane_rank: number;
  attempts: number;
  body: string;
  /** The event's provider, kind and occurredAt as a JSON array: read by SQLite, so the body is never parsed to deliver it. */
  facts: string;
}

/** What one group commit writes: events, outcomes, and how many deliveries each destination may lease. */
export interface CommitBatch {
  now: number;
  accepts: AcceptRow[];
  outcomes: OutcomeRow[];
  leases: Array<{ destination: string; free: number }>;
}

/** Per event `accepted`, `duplicate` or the error that failed only it; `deliveryFailed` when the outcomes and leases were rolled back. */
export interface CommitResult {
  accepted: Array<'accepted' | 'duplicate' | Error>;
  leased: LeasedRow[];
  deliveryFailed: boolean;
}

/**
 * The group commit's transaction, on one connection: the events, then (in a savepoint of its
 * own, so a failure there keeps the events) the outcomes and the leases. It runs wherever the
 * connection lives: on the writer thread (runtime/src/storage/sqlite-writer.ts), or on the
 * caller's own thread for a database in memory.
 */
export class GroupCommit {
  private readonly idempotency: SqliteIdempotencyStore;
  private readonly statements: Record<'insertEvent' | 'insertDelivery' | 'lease' | 'ack' | 'retry', Statement>;

  constructor(private readonly db: Database) {
    this.idempotency = new SqliteIdempotencyStore({ database: db });
    this.statements = {
      insertEvent: db.prepare('INSERT OR IGNORE INTO events (key, body, stored_at) VALUES (?, ?, ?)'),
      insertDelivery: db.prepare(`INSERT OR IGNORE INTO deliveries (event_key, destination, lane_rank, state, due_at) VALUES (?, ?, ?, 'queued', ?)`),
      // Up to as many rows as the destination has free slots, in one statement: one commit for the batch.
      lease: db.prepare(
        `UPDATE deliveries SET state = 'leased', attempts = attempts + 1, lease_id = lease_id + 1
         WHERE seq IN (SELECT seq FROM deliveries WHERE destination = ? AND state = 'queued' AND due_at <= ?
                       ORDER BY lane_rank, due_at, seq LIMIT ?)
         RETURNING seq, lease_id, event_key, destination, lane_rank, attempts,
           (SELECT body FROM events WHERE key = event_key) AS body,
           (SELECT json_extract(body, '$.provider', '$.kind', '$.occurredAt') FROM events WHERE key = event_key) AS facts`,
      ),
      ack: db.prepare(`UPDATE deliveries SET state = 'delivered', due_at = ? WHERE seq = ? AND state = 'leased' AND lease_id = ?`),
      retry: db.prepare(`UPDATE deliveries SET state = 'queued', due_at = ?, last_error = ? WHERE seq = ? AND state = 'leased' AND lease_id = ?`),
    };
  }

  /** Throws when the whole transaction failed (disk full): then nothing of the batch is written. */
  commit(batch: CommitBatch): CommitResult {
    return this.db
      .transaction((): CommitResult => {
        const accepted = batch.accepts.map((row) => this.acceptOne(row, batch.now));
        try {
          return { accepted, leased: this.db.transaction(() => this.settleAndLease(batch))(), deliveryFailed: false };
        } catch (error) {
          if (!this.db.inTransaction) throw error;
          return { accepted, leased: [], deliveryFailed: true };
        }
      })
      .immediate();
  }

  /** Stores an event with one delivery per destination, outside any group commit (enqueue, requeue). */
  insert(row: AcceptRow, now: number): void {
    this.statements.insertEvent.run(row.key, row.body, now);
    for (const destination of row.destinations) this.statements.insertDelivery.run(row.key, destination, row.laneRank, now);
  }

  /**
   * One event, in its own savepoint so that its failure fails only its request. The first of
   * two identical events in a batch records the key, the second finds it.
   */
  private acceptOne(row: AcceptRow, now: number): 'accepted' | 'duplicate' | Error {
    try {
      return this.db.transaction(() => {
        const recorded = this.idempotency.recordCompletedSync(row.key, { storedAt: new Date(now).toISOString() });
        if (recorded === 'duplicate') return 'duplicate';
        // `in_progress`: another caller's claim holds the key; the event is stored (idempotently) and the holder completes it.
        this.insert(row, now);
        return 'accepted';
      })();
    } catch (error) {
      // SQLite ended the whole transaction (e.g. disk full): fail the batch, not just this event.
      if (!this.db.inTransaction) throw error;
      return error as Error;
    }
  }

  /**
   * Marks each finished delivery (on its own lease only), then leases as many due deliveries
   * as each destination has free slots, most urgent lane first: one statement per destination.
   */
  private settleAndLease(batch: CommitBatch): LeasedRow[] {
    for (const outcome of batch.outcomes) {
      if (outcome.done) this.statements.ack.run(outcome.dueAt, outcome.seq, outcome.leaseId);
      else this.statements.retry.run(outcome.dueAt, outcome.error ?? null, outcome.seq, outcome.leaseId);
    }
    const leased: LeasedRow[] = [];
    for (const { destination, free } of batch.leases) {
      if (free > 0) leased.push(...(this.statements.lease.all(destination, batch.now, free) as LeasedRow[]));
    }
    // RETURNING follows no order: the most urgent lane first, then the oldest.
    return leased.sort((a, b) => a.lane_rank - b.lane_rank || a.seq - b.seq);
  }
}
