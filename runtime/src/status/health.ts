import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { withTimeout } from '../timeout';

/**
 * `GET /healthz` (the process lives) and `GET /readyz` (storage answers and, in a worker
 * role, the queue is consumed). Ingress serves them with the webhooks; a worker-only
 * process serves them, with /metrics, from a listener of its own (`buildOpsServer`).
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

/** The worker role's listener: health checks (and the metrics the caller adds), no webhooks. */
export function buildOpsServer(options: { logger: Logger; ready: () => Promise<boolean> }): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  registerHealth(app, options.ready);
  return app;
}
