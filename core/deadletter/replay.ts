import { signMessage } from '../providers/standard-webhooks';
import type {
  DeadLetterFilter,
  DeadLetterRecord,
  DeadLetterReplayer,
  DeadLetterStore,
  ReplayBatchResult,
  ReplayOutcome,
  ReplayTarget,
} from './types';

export interface HttpReplayerOptions {
  store: DeadLetterStore;
  /** The HTTP client; the platform's fetch by default. */
  fetch?: typeof fetch;
  now?: () => Date;
  /** How long one delivery may take. */
  timeoutMs?: number;
}

/**
 * The headers and body of a replay: the canonical event as JSON (its idempotencyKey
 * included), with the key again as `webhook-id`, so the receiver's idempotency check sees
 * the original event, and a replay of an event that did complete lands as a duplicate.
 */
export function replayRequest(record: DeadLetterRecord, now: Date, signingSecret?: string): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(record.event);
  const id = record.event.idempotencyKey;
  const message = signingSecret
    ? signMessage({ id, body, secret: signingSecret, now })
    : { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)) };
  return { headers: { 'content-type': 'application/json', ...message, 'x-dead-letter-id': record.id }, body };
}

/**
 * Replays dead letters by POSTing each event to its workflow's webhook URL (or a URL given),
 * then marks the record `replayed`. Works over any store, the admin-API one included.
 */
export class HttpReplayer implements DeadLetterReplayer {
  private readonly store: DeadLetterStore;
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;
  private readonly timeoutMs: number;

  constructor(options: HttpReplayerOptions) {
    this.store = options.store;
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? (() => new Date());
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async replay(id: string, target: ReplayTarget = {}): Promise<ReplayOutcome> {
    const record = await this.store.get(id);
    if (!record) return { id, url: target.url ?? '', ok: false, error: `No dead letter with id ${id}`, record: null };
    return this.deliver(record, target);
  }

  async replayMatching(filter: DeadLetterFilter, options: ReplayTarget & { dryRun?: boolean } = {}): Promise<ReplayBatchResult> {
    const { dryRun = false, ...target } = options;
    const records = await this.store.list({ status: 'open', ...filter });
    if (dryRun) return { matched: records.length, dryRun, outcomes: [] };
    const outcomes: ReplayOutcome[] = [];
    // One at a time: a replay is a burst the receiver did not ask for.
    for (const record of records) outcomes.push(await this.deliver(record, target));
    return { matched: records.length, dryRun, outcomes };
  }

  private async deliver(record: DeadLetterRecord, target: ReplayTarget): Promise<ReplayOutcome> {
    const url = target.url ?? record.origin.replayUrl;
    const failed = (error: string, httpStatus?: number): ReplayOutcome => ({
      id: record.id,
      url: url ?? '',
      ok: false,
      error,
      ...(httpStatus ? { httpStatus } : {}),
      record,
    });
    if (!url) return failed(record.origin.destination === undefined ? 'The record has no replay URL; give one' : runtimeOnly(record));
    const { headers, body } = replayRequest(record, this.now(), target.signingSecret);
    let status: number;
    try {
      const response = await this.fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      return failed(`Could not reach ${new URL(url).origin}: ${(error as Error).message}`);
    }
    if (status < 200 || status >= 300) return failed(`The receiver answered HTTP ${status}`, status);
    const updated = await this.store.setStatus(record.id, 'replayed', `replayed to ${url} (HTTP ${status})`);
    return { id: record.id, url, ok: true, httpStatus: status, record: updated };
  }
}

/** A runtime dead letter names its destination, not its URL: the runtime knows where that is and how to sign for it. */
function runtimeOnly(record: DeadLetterRecord): string {
  return `The record came from the runtime's destination "${record.origin.destination}": replay it through the runtime (its admin API, or \`payment-webhooks dead-letters replay ${record.id}\`), or give a URL`;
}
