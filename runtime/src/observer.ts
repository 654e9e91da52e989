import { randomBytes } from 'node:crypto';

/**
 * Hooks for metrics and tracing: the runtime reports what happens here and a metrics or
 * tracing module implements it. The default does nothing beyond making trace ids.
 */
export type IngressOutcome = 'accepted' | 'duplicate' | 'refused' | 'malformed' | 'unknown_source' | 'too_large' | 'unavailable';
export type DeliveryResult = 'delivered' | 'retry' | 'dead_letter';

export interface Observer {
  ingress(source: string, outcome: IngressOutcome, detail?: { reason?: string; durationMs?: number }): void;
  delivery(destination: string, result: DeliveryResult, detail: { attempt: number; httpStatus?: number; durationMs: number }): void;
  /** The W3C traceparent for one delivery attempt of an event (a span's context, with tracing on). */
  traceparent(eventKey: string): string;
}

function randomTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

export const noopObserver: Observer = {
  ingress: () => undefined,
  delivery: () => undefined,
  traceparent: randomTraceparent,
};
