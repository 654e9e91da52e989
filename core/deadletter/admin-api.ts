import { AdminApiClient, type AdminApiOptions } from '../runtime-admin';
import { HttpReplayer } from './replay';
import type {
  DeadLetterFilter,
  DeadLetterRecord,
  DeadLetterReplayer,
  DeadLetterStatus,
  DeadLetterStore,
  NewDeadLetter,
  ReplayBatchResult,
  ReplayOutcome,
  ReplayTarget,
} from './types';

export { AdminApiError, type AdminApiOptions } from '../runtime-admin';

/** A filter as query parameters (list) or JSON fields (filtered replay); statuses comma-separated. */
export function filterFields(filter: DeadLetterFilter): Record<string, string> {
  const fields: Record<string, string> = {};
  if (filter.status !== undefined) fields.status = ([] as DeadLetterStatus[]).concat(filter.status).join(',');
  for (const name of ['provider', 'kind', 'from', 'to', 'errorContains'] as const) {
    if (filter[name]) fields[name] = filter[name]!;
  }
  if (filter.limit !== undefined) fields.limit = String(filter.limit);
  return fields;
}

/**
 * The dead-letter store of a running connector runtime, over its admin API
 * (`/admin/dead-letters`, bearer token; the shape is in docs/deadletters.md). This is how
 * the Dead Letter node reaches the embedded runtime's SQLite store.
 */
export class AdminApiDeadLetterStore implements DeadLetterStore {
  private readonly client: AdminApiClient;

  constructor(options: AdminApiOptions) {
    this.client = new AdminApiClient(options, '/admin/dead-letters');
  }

  async add(entry: NewDeadLetter): Promise<DeadLetterRecord> {
    return (await this.client.request('POST', '', { body: entry })).body as DeadLetterRecord;
  }

  async get(id: string): Promise<DeadLetterRecord | null> {
    const answer = await this.client.request('GET', `/${encodeURIComponent(id)}`, { accept: [404] });
    return answer.status === 404 ? null : (answer.body as DeadLetterRecord);
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterRecord[]> {
    const answer = await this.client.request('GET', '', { query: new URLSearchParams(filterFields(filter)) });
    return (answer.body as { deadLetters: DeadLetterRecord[] }).deadLetters;
  }

  async setStatus(id: string, status: DeadLetterStatus, note?: string): Promise<DeadLetterRecord | null> {
    const answer = await this.client.request('POST', `/${encodeURIComponent(id)}/status`, {
      body: { status, ...(note ? { note } : {}) },
      accept: [404],
    });
    return answer.status === 404 ? null : (answer.body as DeadLetterRecord);
  }

  async purge(before: string): Promise<number> {
    const answer = await this.client.request('DELETE', '', { query: new URLSearchParams({ before }) });
    return (answer.body as { purged: number }).purged;
  }

  async close(): Promise<void> {}

  /**
   * Replays through the runtime: it queues the event again for the destination that refused
   * it. With a URL given, the event is sent there directly instead (the runtime only knows
   * its own destinations).
   */
  replayer(options: Omit<AdminApiOptions, 'baseUrl' | 'token'> = {}): DeadLetterReplayer {
    const direct = new HttpReplayer({ store: this, fetch: options.fetch, timeoutMs: options.timeoutMs });
    const client = this.client;
    return {
      async replay(id: string, target: ReplayTarget = {}): Promise<ReplayOutcome> {
        if (target.url) return direct.replay(id, target);
        const answer = await client.request('POST', `/${encodeURIComponent(id)}/replay`, { accept: [404, 409, 422] });
        if (answer.status === 200) {
          const record = answer.body as DeadLetterRecord;
          return { id, url: runtimeDestination(record), ok: true, record };
        }
        return { id, url: '', ok: false, httpStatus: answer.status, error: errorOf(answer.body), record: null };
      },
      async replayMatching(filter, options = {}): Promise<ReplayBatchResult> {
        if (options.url) return direct.replayMatching(filter, options);
        const dryRun = options.dryRun ?? false;
        const answer = await client.request('POST', '/replay', { body: { ...filterFields(filter), dryRun } });
        const result = answer.body as { matched: number; replayed: string[]; failed: Array<{ id: string; error: string }> };
        return {
          matched: result.matched,
          dryRun,
          outcomes: [
            ...result.replayed.map((id) => ({ id, url: 'runtime', ok: true, record: null })),
            ...result.failed.map(({ id, error }) => ({ id, url: 'runtime', ok: false, error, record: null })),
          ],
        };
      },
    };
  }
}

function runtimeDestination(record: DeadLetterRecord): string {
  return `runtime destination ${record.origin.destination ?? ''}`.trim();
}

function errorOf(body: unknown): string {
  return typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : 'The runtime refused the replay';
}
