import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEAD_LETTER_STATUSES, HttpReplayer, type DeadLetterFilter, type DeadLetterStatus, type DeadLetterStore } from '../../../core/deadletter';

/**
 * A small stand-in for the runtime's admin API (docs/deadletters.md), over a real store:
 * the admin-API client store is tested against the documented shape, not against itself.
 * Its "destination" is a URL the runtime would deliver replays to.
 */
export async function startAdminServer(options: { store: DeadLetterStore; token: string; destinationUrl: string }) {
  const { store, token } = options;
  const replayer = new HttpReplayer({ store });
  const requests: string[] = [];

  const filterFrom = (fields: Record<string, unknown>): DeadLetterFilter => {
    const filter: DeadLetterFilter = {};
    if (typeof fields.status === 'string' && fields.status) filter.status = fields.status.split(',') as DeadLetterStatus[];
    for (const name of ['provider', 'kind', 'from', 'to', 'errorContains'] as const) {
      if (typeof fields[name] === 'string' && fields[name]) filter[name] = fields[name] as string;
    }
    if (fields.limit !== undefined) filter.limit = Number(fields.limit);
    return filter;
  };

  const routes = async (method: string, path: string, query: URLSearchParams, body: Record<string, unknown>): Promise<[number, unknown]> => {
    const [, id, action] = /^\/admin\/dead-letters(?:\/([^/]+))?(?:\/([a-z]+))?$/.exec(path) ?? [];
    if (!path.startsWith('/admin/dead-letters')) return [404, { error: 'not found' }];
    if (method === 'GET' && !id) return [200, { deadLetters: await store.list(filterFrom(Object.fromEntries(query))) }];
    if (method === 'POST' && !id) return [201, await store.add(body as never)];
    if (method === 'DELETE' && !id) return [200, { purged: await store.purge(query.get('before') ?? '') }];
    if (method === 'POST' && id === 'replay') {
      const dryRun = body.dryRun !== false;
      const result = await replayer.replayMatching(filterFrom(body), { dryRun, url: options.destinationUrl });
      return [200, { dryRun, matched: result.matched, replayed: result.outcomes.filter((o) => o.ok).map((o) => o.id), failed: result.outcomes.filter((o) => !o.ok).map(({ id, error }) => ({ id, error })) }];
    }
    const record = await store.get(decodeURIComponent(id));
    if (!record) return [404, { error: 'not found' }];
    if (method === 'GET' && !action) return [200, record];
    if (method === 'POST' && action === 'status') {
      if (!DEAD_LETTER_STATUSES.includes(body.status as DeadLetterStatus)) return [400, { error: 'bad status' }];
      return [200, await store.setStatus(record.id, body.status as DeadLetterStatus, body.note as string | undefined)];
    }
    if (method === 'POST' && action === 'replay') {
      if (record.status !== 'open') return [409, { error: `dead letter ${record.id} is ${record.status}, not open` }];
      const outcome = await replayer.replay(record.id, { url: options.destinationUrl });
      return outcome.ok ? [200, outcome.record] : [422, { error: outcome.error }];
    }
    return [404, { error: 'not found' }];
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    let status: number;
    let answer: unknown;
    if (req.headers.authorization !== `Bearer ${token}`) [status, answer] = [401, { error: 'unauthorized' }];
    else {
      try {
        [status, answer] = await routes(req.method ?? 'GET', url.pathname, url.searchParams, raw ? JSON.parse(raw) : {});
      } catch (error) {
        [status, answer] = [400, { error: (error as Error).message }];
      }
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk)).on('end', () => void handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
