import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readDeadLetterFilter } from '../../../core/deadletter/filter';
import { DEAD_LETTER_STATUSES } from '../../../core/deadletter/records';
import type { DeadLetterStatus, NewDeadLetter } from '../../../core/deadletter/types';
import type { RuntimeConfig } from '../config/types';
import { replayMany, replayOne } from '../deadletter/replay';
import type { RuntimeStorage } from '../storage/types';
import { bearerMatches } from './auth';
import { redactCardNumbers } from './redact';

export interface AdminOptions {
  config: RuntimeConfig;
  storage: RuntimeStorage;
}

type Query = Record<string, string | undefined>;

/** The CLI reads its filter options with the same reader. */
export { readDeadLetterFilter as filterFrom };

function body(request: FastifyRequest): Record<string, unknown> {
  const raw = request.body;
  if (raw === undefined || (Buffer.isBuffer(raw) && raw.length === 0)) return {};
  const parsed: unknown = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new RangeError('the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * `/admin/dead-letters`: the dead-letter store over HTTP (the admin-API client store in
 * core/deadletter speaks to it), plus replays. Every route needs the bearer token; with
 * no token configured the admin API is off (404).
 */
export function registerAdmin(app: FastifyInstance, options: AdminOptions): void {
  const token = options.config.admin?.token;
  if (!token) return;
  const { storage, config } = options;

  void app.register(
    async (admin) => {
      admin.addHook('onRequest', async (request, reply) => {
        if (!bearerMatches(request.headers.authorization, token)) {
          return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
        }
      });
      // Wrong input is a 400 naming the field; everything else is the storage failing.
      admin.setErrorHandler((error: Error, request, reply: FastifyReply) => {
        if (error instanceof RangeError || error instanceof SyntaxError) return reply.code(400).send({ error: error.message });
        request.log.error({ err: error }, 'admin request failed');
        return reply.code(503).send({ error: 'storage unavailable' });
      });

      admin.get('/dead-letters', async (request) => ({
        deadLetters: redactCardNumbers(await storage.deadLetters.list(readDeadLetterFilter(request.query as Query))),
      }));

      admin.post('/dead-letters', async (request, reply) => {
        const record = await storage.deadLetters.add(body(request) as unknown as NewDeadLetter);
        return reply.code(201).send(record);
      });

      admin.get<{ Params: { id: string } }>('/dead-letters/:id', async (request, reply) => {
        const record = await storage.deadLetters.get(request.params.id);
        return record ? record : reply.code(404).send({ error: 'not found' });
      });

      admin.post<{ Params: { id: string } }>('/dead-letters/:id/status', async (request, reply) => {
        const { status, note } = body(request);
        if (!DEAD_LETTER_STATUSES.includes(status as DeadLetterStatus)) {
          throw new RangeError(`status must be one of ${DEAD_LETTER_STATUSES.join(', ')}`);
        }
        const record = await storage.deadLetters.setStatus(
          request.params.id,
          status as DeadLetterStatus,
          typeof note === 'string' ? note : undefined,
        );
        return record ? record : reply.code(404).send({ error: 'not found' });
      });

      admin.post<{ Params: { id: string } }>('/dead-letters/:id/replay', async (request, reply) => {
        const result = await replayOne(storage, config, request.params.id);
        return result.ok ? result.record : reply.code(result.status).send({ error: result.error });
      });

      // A filtered replay counts first: `dryRun` defaults to true, so replaying needs `"dryRun": false`.
      admin.post('/dead-letters/replay', async (request) => {
        const fields = body(request);
        return replayMany({ storage, config, filter: readDeadLetterFilter(fields), dryRun: fields.dryRun !== false });
      });

      admin.delete('/dead-letters', async (request) => {
        const { before } = request.query as Query;
        if (!before || Number.isNaN(Date.parse(before))) throw new RangeError('before must be an ISO 8601 date');
        return { purged: await storage.deadLetters.purge(before) };
      });
    },
    { prefix: '/admin' },
  );
}
