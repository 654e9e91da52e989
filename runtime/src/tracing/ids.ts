import { createHash } from 'node:crypto';

/**
 * An event's trace ids, derived from its idempotency key: every process computes the same
 * trace for the same event without storing anything, and an operator finds it from the key.
 */
export function traceIdFor(eventKey: string): string {
  return createHash('sha256').update(`trace:${eventKey}`).digest('hex').slice(0, 32);
}

/** The id of the event's root span (never exported: the spans of each stage hang under it). */
export function rootSpanIdFor(eventKey: string): string {
  return createHash('sha256').update(`root:${eventKey}`).digest('hex').slice(0, 16);
}

/** A sampled W3C traceparent. */
export function traceparentOf(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}

/** The traceparent naming the event's root span. */
export function rootTraceparent(eventKey: string): string {
  return traceparentOf(traceIdFor(eventKey), rootSpanIdFor(eventKey));
}
