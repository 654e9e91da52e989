import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config/types';
import type { Observer } from '../observer';
import type { DeliveryHandler, DeliveryJob, RuntimeStorage } from '../storage/types';
import { retryDelay } from './backoff';
import type { AttemptResult, DeliverySender } from './post';

export interface DeliveryHandlerOptions {
  config: RuntimeConfig;
  storage: RuntimeStorage;
  logger: Logger;
  observer: Observer;
  /** Sends the deliveries and dead-letter notices; its owner closes it. */
  client: DeliverySender;
  /** The jitter's random source; injectable so a test can pin it. */
  random?: () => number;
}

/**
 * One attempt of one job: POST, then decide. Success and dead-lettering end the job
 * (the dead letter is written before the job is acknowledged); anything else is retried
 * after a full-jitter backoff that honours Retry-After. The handler throws only when the dead
 * letter cannot be written; the storage then hands the job out again, so nothing is lost.
 */
export function createDeliveryHandler(options: DeliveryHandlerOptions): DeliveryHandler {
  const { config, storage, logger, observer, client } = options;
  const destinations = new Map(config.destinations.map((destination) => [destination.name, destination]));

  const deadLetter = async (job: DeliveryJob, failure: Extract<AttemptResult, { ok: false }>) => {
    // Why the last attempt failed, beside its message: the HTTP status or error code where there is one.
    const cause = { ...(failure.code && { code: failure.code }), ...(failure.httpStatus && { httpStatus: failure.httpStatus }) };
    const record = await storage.deadLetters.add({
      idempotencyKey: job.event.idempotencyKey,
      provider: job.event.provider,
      kind: job.event.kind,
      event: job.event,
      // The destination's name only: its URL may hold credentials, and a replay resolves the name.
      origin: { destination: job.destination },
      error: { message: failure.message, ...cause },
      attempts: job.attempt,
    });
    logger.warn(
      {
        eventKey: job.event.idempotencyKey,
        source: job.event.provider,
        kind: job.event.kind,
        destination: job.destination,
        attempt: job.attempt,
        outcome: 'dead_letter',
        deadLetter: record.id,
        error: failure.message,
        ...cause,
      },
      'delivery dead-lettered',
    );
    const notify = config.deadLetter;
    if (notify) {
      // One try: the record is already stored, this only tells a workflow about it.
      const sent = await client.post({
        url: notify.url,
        id: record.id,
        body: JSON.stringify(record),
        signingSecret: notify.signingSecret,
        timeoutMs: config.destinations.find((destination) => destination.name === job.destination)?.timeoutMs ?? 10_000,
        traceparent: observer.traceparent(job.event.idempotencyKey),
      });
      if (!sent.ok) logger.warn({ deadLetter: record.id, error: sent.message }, 'dead-letter notification failed');
    }
  };

  return async (job) => {
    const facts = job.facts ?? job.event;
    const destination = destinations.get(job.destination);
    if (!destination) {
      await deadLetter(job, { ok: false, retryable: false, message: `destination "${job.destination}" is no longer configured` });
      return { status: 'done' };
    }
    const started = performance.now();
    const key = facts.idempotencyKey;
    // The attempt's span is the delivery's traceparent: n8n's execution joins the event's trace.
    let result: AttemptResult;
    try {
      result = await observer.span(key, 'deliver', { destination: destination.name, attempt: job.attempt }, async (traceparent, annotate) => {
        const attempt = await client.post({
          url: destination.url,
          id: key,
          body: job.body ?? JSON.stringify(job.event),
          signingSecret: destination.signingSecret,
          timeoutMs: destination.timeoutMs,
          traceparent: traceparent(),
        });
        annotate(
          { 'http.response.status_code': attempt.httpStatus ?? 0, ...(attempt.n8nExecutionId && { 'n8n.execution.id': attempt.n8nExecutionId }) },
          !attempt.ok,
        );
        return attempt;
      });
    } catch (error) {
      result = unexpectedFailure(error);
    }
    const detail = {
      attempt: job.attempt,
      durationMs: performance.now() - started,
      event: facts,
      ...(result.httpStatus && { httpStatus: result.httpStatus }),
    };
    // One log line per decision: the event, where it came from, what it is, what became of it.
    const decision = {
      eventKey: key,
      source: facts.provider,
      kind: facts.kind,
      destination: destination.name,
      attempt: job.attempt,
      ...(result.n8nExecutionId && { n8nExecutionId: result.n8nExecutionId }),
    };
    if (result.ok) {
      observer.delivery(destination.name, 'delivered', detail);
      logger.info({ ...decision, outcome: 'delivered', httpStatus: result.httpStatus }, 'delivered');
      return { status: 'done' };
    }
    if (!result.retryable || job.attempt >= config.retry.maxAttempts) {
      await deadLetter(job, result);
      // Reported once the record is written, so a dead-letter count read now includes it.
      observer.delivery(destination.name, 'dead_letter', detail);
      return { status: 'done' };
    }
    observer.delivery(destination.name, 'retry', detail);
    const delayMs = retryDelay(job.attempt, config.retry, result.retryAfterMs, options.random);
    logger.info({ ...decision, outcome: 'retry', delayMs, error: result.message }, 'delivery will be retried');
    return { status: 'retry', delayMs, error: result.message };
  };
}

/**
 * An attempt that threw instead of answering (a bug, tracing failing) is a failed attempt like
 * any other: it counts toward maxAttempts in both storage modes, so the delivery still ends.
 */
function unexpectedFailure(error: unknown): AttemptResult {
  return { ok: false, retryable: true, code: 'UNEXPECTED', message: `the attempt failed: ${(error as Error)?.message ?? String(error)}` };
}
