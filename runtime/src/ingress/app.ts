import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { PaymentEvent } from '../../../core/event';
import { getProvider } from '../../../core/providers';
import { answerFor, receiveWebhook, type Received } from '../../../core/providers/receive';
import type { SourceEntry, RuntimeConfig } from '../config/types';
import { destinationsFor } from '../delivery/route';
import type { Observer, StoreOutcome } from '../observer';
import { registerHealth } from '../status/health';
import type { RuntimeStorage } from '../storage/types';
import { withTimeout } from '../timeout';
import { laneFor } from './lane';
import { logRefusal } from './refusal';
import { perAddressRateLimit } from './rate-limit';

export interface IngressOptions {
  config: RuntimeConfig;
  storage: RuntimeStorage;
  logger: Logger;
  observer: Observer;
  /** Answers /readyz: storage reachable and, in a worker role, workers consuming. */
  ready: () => Promise<boolean>;
}

/** Stores one event unless it is a known duplicate; the lane is chosen only for an event not seen before. */
function store(event: PaymentEvent, source: string, options: IngressOptions): Promise<StoreOutcome> {
  const { storage, config, observer } = options;
  return storage.accept(event, destinationsFor(event, config.destinations), (windows) =>
    laneFor(event, { store: windows, config: config.risk, now: Date.now(), report: (assessment) => observer.risk(source, event, assessment) }),
  );
}

type NotAccepted = Exclude<Received, { outcome: 'accepted' }>;

/**
 * The answer to a request the receive pipeline did not accept (core/providers/receive.ts: the
 * same status and body as the Payment Webhook Trigger gives), with its log line and count.
 */
function refuse(request: FastifyRequest, reply: FastifyReply, refused: { source: string; received: NotAccepted; observer: Observer }): FastifyReply {
  const { received, observer } = refused;
  const answer = answerFor(received);
  if (received.outcome === 'malformed') {
    logRefusal(request, { status: 400, outcome: 'malformed', detail: received.detail }, { message: 'webhook body malformed' });
    observer.ingress(refused.source, 'malformed');
  } else {
    // The reason and its diagnosis name no secret and no signature (core/providers' rule).
    logRefusal(request, { status: answer.status, outcome: 'refused', reason: received.reason, detail: received.detail });
    observer.ingress(refused.source, 'refused', { reason: received.reason });
  }
  return reply.code(answer.status).headers(answer.headers ?? {}).send(answer.body);
}

/** How often Node checks open connections against the header and request timeouts (its default is 30 s). */
const TIMEOUT_CHECK_MS = 1_000;

/** Node server options: the slow-client guards, and the certificate when TLS is on. */
function serverOptions(config: RuntimeConfig) {
  const guards = {
    headersTimeout: config.limits.headersTimeoutMs,
    requestTimeout: config.limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, config.limits.headersTimeoutMs),
  };
  const tls = config.listen.tls;
  return tls ? { https: { ...guards, cert: readFileSync(tls.cert), key: readFileSync(tls.key) } } : { http: guards };
}

export function buildIngress(options: IngressOptions): FastifyInstance {
  const { config, logger, observer } = options;
  const sources = new Map<string, SourceEntry>(config.sources.map((source) => [source.name, source]));
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.limits.bodyBytes,
    connectionTimeout: config.limits.requestTimeoutMs,
    requestTimeout: config.limits.requestTimeoutMs,
    return503OnClosing: true,
    ...serverOptions(config),
  }) as unknown as FastifyInstance;
  const rateLimit = perAddressRateLimit({ perSecond: config.limits.perAddressPerSecond, burst: config.limits.perAddressBurst });

  // Signatures cover the exact bytes: every body is kept as a Buffer, never parsed here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) observer.ingress(String((request.params as { source?: string }).source ?? ''), 'too_large');
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else if (request.routeOptions.url === '/webhooks/:source') logRefusal(request, { status, outcome: status === 413 ? 'too_large' : 'unreadable', detail: error.message });
    void reply.code(status).send({ error: status === 413 ? 'body too large' : status >= 500 ? 'internal error' : error.message });
  });

  registerHealth(app, options.ready);

  app.post<{ Params: { source: string } }>('/webhooks/:source', { onRequest: rateLimit }, async (request, reply: FastifyReply) => {
    const started = performance.now();
    const name = request.params.source;
    const source = sources.get(name);
    const provider = source && getProvider(source.provider);
    if (!source || !provider) {
      logRefusal(request, { status: 404, outcome: 'unknown_source' });
      observer.ingress(name, 'unknown_source');
      return reply.code(404).send({ error: 'unknown source' });
    }
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const webhook = { rawBody, headers: request.headers };
    const now = new Date();

    const verifyStarted = Date.now();
    const received = await receiveWebhook({ provider, request: webhook, config: source, namespace: name, now });
    const verifyEnded = Date.now();
    if (received.outcome !== 'accepted') return refuse(request, reply, { source: name, received, observer });
    const events = received.events;

    const traced = { source: name, provider: source.provider };
    try {
      const outcomes = await withTimeout(
        Promise.all(
          events.map((event) => {
            const key = event.idempotencyKey;
            observer.recordSpan(key, 'verify', verifyStarted, verifyEnded, traced);
            return observer.span(key, 'store', traced, async (_traceparent, annotate) => {
              const outcome = await store(event, name, options);
              annotate({ 'payment_webhooks.outcome': outcome });
              observer.stored(name, event, outcome);
              request.log.info({ eventKey: key, source: name, kind: event.kind, outcome }, 'webhook stored');
              return outcome;
            });
          }),
        ),
        config.limits.storeTimeoutMs,
        'the durable write',
      );
      const duplicates = outcomes.filter((outcome) => outcome === 'duplicate').length;
      const outcome = duplicates === outcomes.length && outcomes.length > 0 ? 'duplicate' : 'accepted';
      observer.ingress(name, outcome, { durationMs: performance.now() - started });
      return reply.code(200).send({ received: events.length, duplicates });
    } catch (error) {
      // Never 200 for an event that is not stored: the gateway keeps it and retries.
      logRefusal(request, { status: 503, outcome: 'unavailable', err: error }, { message: 'cannot store the event durably', level: 'error' });
      observer.ingress(name, 'unavailable');
      return reply.code(503).header('retry-after', '5').send({ error: 'storage unavailable' });
    }
  });

  // Any other method on a webhook URL: 405 naming the one method, in the runtime's error shape.
  app.route({
    method: ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/webhooks/:source',
    onRequest: rateLimit,
    handler: async (request, reply) => {
      logRefusal(request, { status: 405, outcome: 'wrong_method', detail: `${request.method} instead of POST` });
      return reply.code(405).header('allow', 'POST').send({ error: 'method not allowed' });
    },
  });

  return app;
}
