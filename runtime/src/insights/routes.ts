import type { FastifyInstance } from 'fastify';
import { bearerMatches } from '../admin/auth';
import type { RuntimeStorage } from '../storage/types';
import { computeInsights } from './compute';

/**
 * `GET /admin/insights?days=N` (bearer token, like the rest of /admin): the figures of
 * insights/compute.ts over the last N days (7 by default), from the events the storage
 * keeps (SQLite: 7 days after delivery; Redis: insights/redis-log.ts, 8 days, capped per day).
 */
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_DAYS = 7;
const MAX_DAYS = 90;

export interface InsightsRouteOptions {
  storage: RuntimeStorage;
  token: string;
  now?: () => number;
}

export function registerInsights(app: FastifyInstance, options: InsightsRouteOptions): void {
  const { storage, token } = options;
  const now = options.now ?? Date.now;
  void app.register(
    async (admin) => {
      admin.addHook('onRequest', async (request, reply) => {
        if (!bearerMatches(request.headers.authorization, token)) {
          return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
        }
      });
      admin.get('/insights', async (request, reply) => {
        const { days = String(DEFAULT_DAYS) } = request.query as { days?: string };
        const count = Number(days);
        if (!Number.isInteger(count) || count < 1 || count > MAX_DAYS) {
          return reply.code(400).send({ error: `days must be an integer from 1 to ${MAX_DAYS}` });
        }
        const to = now();
        const from = to - count * DAY_MS;
        const [events, deadLetters] = await Promise.all([
          storage.storedEvents(from),
          storage.deadLetters.list({ status: ['open', 'discarded'] }),
        ]);
        return computeInsights({ events, deadLettered: new Set(deadLetters.map((record) => record.idempotencyKey)), from, to });
      });
    },
    { prefix: '/admin' },
  );
}
