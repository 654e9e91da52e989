import type { PaymentEvent } from '../event';

export type DeadLetterStatus = 'open' | 'replayed' | 'resolved' | 'discarded';

/** Where the event failed: an n8n workflow, or one of the runtime's destinations. */
export interface FailureOrigin {
  workflowId?: string;
  workflowName?: string;
  node?: string;
  executionId?: string;
  executionUrl?: string;
  /** The runtime destination's name, when the runtime dead-lettered it. */
  destination?: string;
  /** Where a replay sends the event by default (n8n records; a runtime record names its destination instead). */
  replayUrl?: string;
}

export interface DeadLetterRecord {
  id: string;
  /** The event's idempotency key: a replay keeps it, so a completed event lands as a duplicate. */
  idempotencyKey: string;
  provider: string;
  kind: string;
  event: PaymentEvent;
  origin: FailureOrigin;
  error: { message: string; code?: string; httpStatus?: number };
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  status: DeadLetterStatus;
  /** Status changes, newest last: replays, resolutions, discards. */
  history: Array<{ at: string; status: DeadLetterStatus; note?: string }>;
}

export interface DeadLetterFilter {
  status?: DeadLetterStatus | DeadLetterStatus[];
  provider?: string;
  kind?: string;
  /** ISO 8601 bounds on lastFailedAt. */
  from?: string;
  to?: string;
  /** Case-insensitive substring of the error message. */
  errorContains?: string;
  limit?: number;
}

export type NewDeadLetter = Omit<DeadLetterRecord, 'id' | 'status' | 'history' | 'firstFailedAt' | 'lastFailedAt' | 'attempts'> & {
  attempts?: number;
  failedAt?: string;
};

export interface DeadLetterStore {
  /** Adds a record; a second failure of the same idempotency key and origin updates the open record (attempts, lastFailedAt). */
  add(entry: NewDeadLetter): Promise<DeadLetterRecord>;
  get(id: string): Promise<DeadLetterRecord | null>;
  list(filter?: DeadLetterFilter): Promise<DeadLetterRecord[]>;
  setStatus(id: string, status: DeadLetterStatus, note?: string): Promise<DeadLetterRecord | null>;
  /** Removes records whose lastFailedAt is before the date; returns how many. */
  purge(before: string): Promise<number>;
  close(): Promise<void>;
}

/** How many records have each status. */
export type DeadLetterCounts = Record<DeadLetterStatus, number>;

/**
 * A store that counts on its own indexes, without reading a record: what metrics, the
 * status page and alerts ask for on every scrape, poll and new dead letter.
 */
export interface CountingDeadLetterStore extends DeadLetterStore {
  countByStatus(): Promise<DeadLetterCounts>;
}

/** Where and how a replay is sent. */
export interface ReplayTarget {
  /** Overrides the record's `origin.replayUrl`. */
  url?: string;
  /** A Standard Webhooks secret (`whsec_...`): the replay is signed with it when given. */
  signingSecret?: string;
}

export interface ReplayOutcome {
  id: string;
  url: string;
  ok: boolean;
  /** The receiver's HTTP status, when it answered. */
  httpStatus?: number;
  /** Why it failed, without secrets. */
  error?: string;
  /** The record after the replay (status `replayed` when the receiver accepted it). */
  record: DeadLetterRecord | null;
}

export interface ReplayBatchResult {
  /** How many records matched the filter. */
  matched: number;
  dryRun: boolean;
  /** One per replayed record; empty on a dry run. */
  outcomes: ReplayOutcome[];
}

/** Replays records: locally over HTTP, or by asking the runtime's admin API to do it. */
export interface DeadLetterReplayer {
  replay(id: string, target?: ReplayTarget): Promise<ReplayOutcome>;
  /** Replays every record matching the filter (open ones unless the filter says otherwise); `dryRun` only counts. */
  replayMatching(filter: DeadLetterFilter, options?: ReplayTarget & { dryRun?: boolean }): Promise<ReplayBatchResult>;
}
