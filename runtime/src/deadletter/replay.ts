import { priorityFor } from '../../../core/risk';
import type { DeadLetterFilter, DeadLetterRecord } from '../../../core/deadletter/types';
import type { RuntimeConfig } from '../config/types';
import type { RuntimeStorage } from '../storage/types';

/**
 * Replaying a dead letter queues its event again for the destination that refused it,
 * keeping the idempotency key, and marks the record `replayed`. Shared by the CLI and
 * the admin API.
 */
export type ReplayResult =
  | { ok: true; record: DeadLetterRecord }
  | { ok: false; status: 404 | 409 | 422; error: string };

export async function replayOne(storage: RuntimeStorage, config: RuntimeConfig, id: string): Promise<ReplayResult> {
  const record = await storage.deadLetters.get(id);
  if (!record) return { ok: false, status: 404, error: `no dead letter ${id}` };
  if (record.status !== 'open') return { ok: false, status: 409, error: `dead letter ${id} is ${record.status}, not open` };
  const destination = config.destinations.find((entry) => entry.name === record.origin.destination);
  if (!destination) {
    return {
      ok: false,
      status: 422,
      error: `dead letter ${id} came from destination "${record.origin.destination ?? '(none)'}", which is not configured`,
    };
  }
  // Amount alone picks the lane here: a replay is a human's decision, not new traffic to score.
  await storage.requeue(record.event, destination.name, priorityFor(record.event, config.risk.amounts));
  const updated = await storage.deadLetters.setStatus(id, 'replayed', `queued for ${destination.name}`);
  return { ok: true, record: updated ?? record };
}

export interface ReplayManyResult {
  dryRun: boolean;
  /** How many open records the filter matches. */
  matched: number;
  replayed: string[];
  failed: Array<{ id: string; error: string }>;
}

/** Replays every open record the filter matches; a dry run only counts them. */
export interface ReplayManyOptions {
  storage: RuntimeStorage;
  config: RuntimeConfig;
  filter: DeadLetterFilter;
  /** Only count the records that would be replayed. */
  dryRun: boolean;
}

export async function replayMany(options: ReplayManyOptions): Promise<ReplayManyResult> {
  const { storage, config, filter, dryRun } = options;
  const records = await storage.deadLetters.list({ ...filter, status: 'open' });
  const result: ReplayManyResult = { dryRun, matched: records.length, replayed: [], failed: [] };
  if (dryRun) return result;
  for (const record of records) {
    const replayed = await replayOne(storage, config, record.id);
    if (replayed.ok) result.replayed.push(record.id);
    else result.failed.push({ id: record.id, error: replayed.error });
  }
  return result;
}
