import type { PaymentEvent } from '../../core/event';
import type { RiskAssessment } from '../../core/risk/types';
import type { AcceptOutcome, EventFacts } from './storage/types';
import { rootTraceparent } from './tracing/ids';

/**
 * Hooks for metrics, tracing, alerts and the status page: the runtime reports what happens
 * here and runtime/src/observability.ts implements it. The default does nothing beyond
 * making trace ids and running the traced work.
 */
export type IngressOutcome = 'accepted' | 'duplicate' | 'refused' | 'malformed' | 'unknown_source' | 'too_large' | 'unavailable';
export type DeliveryResult = 'delivered' | 'retry' | 'dead_letter';
/** What storing a verified event came to: the storage's own outcome, reported as it is. */
export type StoreOutcome = AcceptOutcome;

/** The stages of an event's trace. */
export type SpanName = 'verify' | 'store' | 'deliver';
export type SpanAttributes = Record<string, string | number | boolean>;
/**
 * Runs inside a span: may ask for the span's W3C traceparent (computed on request: a stage that
 * sends nothing onward, as storing does, pays for no hashing) and may add attributes to it.
 */
export type TracedWork<T> = (traceparent: () => string, annotate: (attributes: SpanAttributes, failed?: boolean) => void) => Promise<T>;

export interface Observer {
  /** One per request to `/webhooks/{source}`, with its final outcome. */
  ingress(source: string, outcome: IngressOutcome, detail?: { reason?: string; durationMs?: number }): void;
  /** One per verified event: stored, or recognized as a duplicate. */
  stored(source: string, event: PaymentEvent, outcome: StoreOutcome): void;
  /** core/risk's assessment of an event being stored (its fired signals are the alarms). */
  risk(source: string, event: PaymentEvent, assessment: RiskAssessment): void;
  delivery(
    destination: string,
    result: DeliveryResult,
    detail: { attempt: number; httpStatus?: number; durationMs: number; event: EventFacts },
  ): void;
  /** Runs one stage of an event's handling inside a span of that event's trace. */
  span<T>(eventKey: string, name: SpanName, attributes: SpanAttributes, work: TracedWork<T>): Promise<T>;
  /** A stage that ran before the event was known (the signature is checked before the body is read). */
  recordSpan(eventKey: string, name: SpanName, startedAt: number, endedAt: number, attributes: SpanAttributes): void;
  /** A W3C traceparent in the event's trace, for a request made outside a span. */
  traceparent(eventKey: string): string;
}

export const noopObserver: Observer = {
  ingress: () => undefined,
  stored: () => undefined,
  risk: () => undefined,
  delivery: () => undefined,
  // Untraced, a delivery still names the event's trace (derived from its key), so logs correlate by it.
  span: (eventKey, _name, _attributes, work) => work(() => rootTraceparent(eventKey), () => undefined),
  recordSpan: () => undefined,
  traceparent: rootTraceparent,
};
