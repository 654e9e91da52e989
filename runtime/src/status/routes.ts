import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, onRequestAsyncHookHandler } from 'fastify';
import { CachedRead } from '../cached-read';
import type { RuntimeConfig } from '../config/types';
import type { Observability } from '../observability';
import type { RuntimeStorage } from '../storage/types';
import { opsReadGuard } from './guard';

/**
 * `GET /metrics` (Prometheus), and the status page: `GET /` with its static files under
 * `/status/assets/` and its data from `GET /status/data`. The page and its data are
 * read-only; replays go through the admin API with the token the operator types.
 * The data names no customer, amount or payload: only ids, kinds, counts and errors.
 * The data and the metrics read storage, so they sit behind `opsReadGuard` (rate limit, and
 * the admin token with `ops.auth: token`); the page and its files are static.
 */
export interface StatusOptions {
  config: RuntimeConfig;
  storage: RuntimeStorage;
  observability: Observability;
}

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'status.css': 'text/css; charset=utf-8',
  'mini-charts.js': 'text/javascript; charset=utf-8',
  'status.js': 'text/javascript; charset=utf-8',
};
/** The page loads nothing from elsewhere and runs no inline script. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
const DEAD_LETTERS_SHOWN = 100;
/** Built at most once a second however many clients poll it (the page itself polls every 10 s). */
const STATUS_DATA_MAX_AGE_MS = 1_000;

/** The assets ship as plain files next to the sources (src/ or, built, dist/runtime/src/ reads src/). */
const ASSET_DIR = [join(__dirname, 'assets'), resolve(__dirname, '..', '..', '..', '..', 'src', 'status', 'assets')].find((dir) =>
  existsSync(join(dir, 'index.html')),
);

function asset(name: string): Buffer {
  if (!ASSET_DIR) throw new Error('the status page assets are missing from the package');
  return readFileSync(join(ASSET_DIR, name));
}

/** `GET /metrics`: this runtime's registry in Prometheus text format. */
export function registerMetrics(app: FastifyInstance, observability: Observability, guard: onRequestAsyncHookHandler[]): void {
  app.get('/metrics', { onRequest: guard }, async (_request, reply) => {
    const { contentType, body } = await observability.metrics.scrape();
    return reply.type(contentType).send(body);
  });
}

export function registerStatus(app: FastifyInstance, options: StatusOptions): void {
  const { config, storage, observability } = options;
  const guard = opsReadGuard(config);
  registerMetrics(app, observability, guard);

  const page = (name: string) => async (_request: unknown, reply: FastifyReply) =>
    reply.type(ASSETS[name]).header('content-security-policy', CSP).header('cache-control', 'no-cache').send(asset(name));
  app.get('/', page('index.html'));
  app.get<{ Params: { name: string } }>('/status/assets/:name', async (request, reply) => {
    const name = request.params.name;
    if (!Object.hasOwn(ASSETS, name)) return reply.code(404).send({ error: 'not found' });
    return page(name)(request, reply);
  });

  const statusData = new CachedRead(async () => {
    const [queues, deadLetters, deadLetterCounts] = await Promise.all([
      storage.queueStats(),
      storage.deadLetters.list({ status: 'open', limit: DEAD_LETTERS_SHOWN }),
      observability.deadLetterCounts.get(),
    ]);
    return {
      generatedAt: new Date().toISOString(),
      storage: storage.kind,
      adminApi: Boolean(config.admin?.token),
      sources: observability.activity.throughput(),
      queues: queues.map((stat) => ({
        ...stat,
        oldestAgeSeconds: stat.oldestStoredAt === undefined ? 0 : Math.max(0, Math.round((Date.now() - stat.oldestStoredAt) / 1000)),
      })),
      destinations: observability.activity.health(),
      openDeadLetters: deadLetterCounts.open,
      deadLetters: deadLetters.map((record) => ({
        id: record.id,
        provider: record.provider,
        kind: record.kind,
        destination: record.origin.destination,
        error: record.error.message,
        httpStatus: record.error.httpStatus,
        attempts: record.attempts,
        lastFailedAt: record.lastFailedAt,
      })),
    };
  }, STATUS_DATA_MAX_AGE_MS);
  app.get('/status/data', { onRequest: guard }, () => statusData.get());
  // A replay, status change or purge through the admin API shows on the page's next refresh, not a second later.
  app.addHook('onResponse', async (request) => {
    if (request.method !== 'GET' && request.routeOptions.url?.startsWith('/admin/dead-letters')) {
      observability.deadLetterCounts.invalidate();
      statusData.invalidate();
    }
  });
}
