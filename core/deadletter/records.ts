import type { DeadLetterCounts, DeadLetterFilter, DeadLetterRecord, DeadLetterStatus, NewDeadLetter } from './types';

export const DEAD_LETTER_STATUSES: readonly DeadLetterStatus[] = ['open', 'replayed', 'resolved', 'discarded'];

/**
 * Two failures are the same dead letter when they are the same event failing at the same
 * place. The execution id is left out on purpose: every retry is a new execution.
 */
export function dedupeKey(entry: Pick<NewDeadLetter, 'idempotencyKey' | 'origin'>): string {
  const { workflowId = '', node = '', destination = '' } = entry.origin;
  return JSON.stringify([entry.idempotencyKey, workflowId, node, destination]);
}

/** Zero records of every status, for a store to count into. */
export function noCounts(): DeadLetterCounts {
  return { open: 0, replayed: 0, resolved: 0, discarded: 0 };
}

/** A fresh open record for a first failure. */
export function newRecord(entry: NewDeadLetter, id: string, now: Date): DeadLetterRecord {
  const { failedAt, attempts, ...rest } = entry;
  const at = failedAt ?? now.toISOString();
  return withoutDestinationUrl({
    ...rest,
    id,
    attempts: attempts ?? 1,
    firstFailedAt: at,
    lastFailedAt: at,
    status: 'open',
    history: [{ at, status: 'open' }],
  });
}

/**
 * A runtime dead letter names its destination and no URL: a destination's URL may carry
 * userinfo or a token (and an n8n webhook path is itself a capability), and a replay resolves
 * the name to the configured destination. Records written before kept the URL as
 * `origin.replayUrl`; stores drop it when they read a record, so no listing, export or
 * notification shows it. Dropped rather than stripped of credentials: which parts of a URL are
 * secret cannot be told, and the name is all a replay needs.
 */
export function withoutDestinationUrl(record: DeadLetterRecord): DeadLetterRecord {
  if (record.origin.destination === undefined || record.origin.replayUrl === undefined) return record;
  const origin = { ...record.origin };
  delete origin.replayUrl;
  return { ...record, origin };
}

/** A filter's statuses as a list; undefined when it names none (every status matches). */
export function statusesOf(filter: DeadLetterFilter): DeadLetterStatus[] | undefined {
  if (filter.status === undefined) return undefined;
  return Array.isArray(filter.status) ? filter.status : [filter.status];
}

/** The one definition of what a filter matches, shared by every store. */
export function matchesFilter(record: DeadLetterRecord, filter: DeadLetterFilter): boolean {
  const statuses = statusesOf(filter);
  if (statuses && !statuses.includes(record.status)) return false;
  if (filter.provider && record.provider !== filter.provider) return false;
  if (filter.kind && record.kind !== filter.kind) return false;
  const last = Date.parse(record.lastFailedAt);
  if (filter.from && last < Date.parse(filter.from)) return false;
  if (filter.to && last > Date.parse(filter.to)) return false;
  if (filter.errorContains && !record.error.message.toLowerCase().includes(filter.errorContains.toLowerCase())) return false;
  return true;
}

/** Newest failure first, the order every list is returned in. */
export function newestFirst(a: DeadLetterRecord, b: DeadLetterRecord): number {
  return Date.parse(b.lastFailedAt) - Date.parse(a.lastFailedAt) || (a.id < b.id ? 1 : -1);
}

/** Throws on a value that is not an ISO 8601 date, so a typo never matches everything. */
export function parseInstant(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${what} must be an ISO 8601 date, got ${JSON.stringify(value)}`);
  return ms;
}
