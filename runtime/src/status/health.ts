import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { withTimeout } from '../timeout';

/**
 * `GET /healthz` (the process lives) and `GET /readyz` (storage answers and, in a worker
 * role, the queue is consumed). Ingress serves them with the webhooks; a worker-only
 * process, and the operators' listener of `ops.listen`, from `buildOpsServer`.
 */
/** /readyz answers unready when the storage takes longer than this to answer. */
const READY_TIMEOUT_MS = 2_000;

export function registerHealth(app: FastifyInstance, ready: () => Promise<boolean>): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    // A storage that hangs (not refuses) must still turn /readyz red quickly.
    const isReady = await withTimeout(ready(), READY_TIMEOUT_MS, 'the readiness check').catch(() => false);
    return reply.code(isReady ? 200 : 503).send({ ready: isReady });
  });
}

/**
 * A listener without webhooks: health checks plus what the caller adds (a worker's metrics;
 * with `ops.listen`, the status page, metrics and admin API).
 */
export function buildOpsServer(options: { logger: Logger; ready: () => Promise<boolean> }): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  // The admin API reads its JSON bodies from bytes, as it does on the webhook listener.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  registerHealth(app, options.ready);
  return app;
}
