import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { PaymentEvent } from '../../../core/event';
import { getProvider } from '../../../core/providers';
import { inSourceNamespace, normalizeDeliverable } from '../../../core/providers/deliverable';
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
  return storage.accept(event, destinationsFor(event, config.destinations), () =>
    laneFor(event, storage.riskWindows, config.risk, Date.now(), (assessment) => observer.risk(source, event, assessment)),
  );
}

/** The gateway's own API could not be asked (PayPal's verification, a confirming fetch): the gateway retries a 503. */
function gatewayApiUnavailable(reply: FastifyReply): FastifyReply {
  return reply.code(503).header('retry-after', '30').send({ error: 'the gateway API could not be reached to verify this event; retry later' });
}

/** A signature or a confirmation that failed: 401, or 503 when the gateway's API could not be asked. */
function refuseUnverified(
  request: FastifyRequest,
  reply: FastifyReply,
  failure: { reason: string; detail?: string },
  error: string,
): FastifyReply {
  const unavailable = failure.reason === 'confirm_unavailable';
  // The reason and its diagnosis name no secret and no signature (core/providers' rule).
  logRefusal(request, { status: unavailable ? 503 : 401, outcome: 'refused', reason: failure.reason, detail: failure.detail });
  return unavailable ? gatewayApiUnavailable(reply) : reply.code(401).send({ error, reason: failure.reason });
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
    const verified = await provider.verify(webhook, source, { now });
    const verifyEnded = Date.now();
    if (!verified.ok) {
      observer.ingress(name, 'refused', { reason: verified.reason });
      return refuseUnverified(request, reply, verified, 'signature verification failed');
    }
    const normalized = normalizeDeliverable(provider, webhook, now, source);
    if (!normalized.ok) {
      logRefusal(request, { status: 400, outcome: 'malformed', detail: normalized.detail }, 'webhook body malformed');
      observer.ingress(name, 'malformed');
      // The signature verified, so the detail goes back to the gateway that sent the body.
      return reply.code(400).send({ error: 'malformed body', detail: normalized.detail });
    }

    let events = normalized.events;
    if (provider.confirm) {
      const confirm = provider.confirm.bind(provider);
      const confirmed = await Promise.all(
        events.map((event) => (event.verification === 'fetch_required' ? confirm(event, source, { now }) : { ok: true as const, event })),
      );
      const refused = confirmed.find((result) => !result.ok);
      if (refused && !refused.ok) {
        observer.ingress(name, 'refused', { reason: refused.reason });
        return refuseUnverified(request, reply, refused, 'event not confirmed');
      }
      events = confirmed.flatMap((result) => (result.ok ? [result.event] : []));
    }
    events = inSourceNamespace(events, { namespace: name, provider: source.provider });

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
      logRefusal(request, { status: 503, outcome: 'unavailable', err: error }, 'cannot store the event durably', 'error');
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
