import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type SpanContext, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { SpanAttributes, SpanName, TracedWork } from '../observer';

/**
 * One trace per event, across processes and without storing anything: the trace id and
 * the id of the (never exported) root span are derived from the event's idempotency key.
 * Ingress (verify, store) and every delivery attempt, in whichever process runs it, open
 * their spans under that root, so a backend shows the event's whole path as one trace, and
 * an operator can find it from the key alone (`traceIdFor`).
 */
const SPAN_KIND: Record<SpanName, SpanKind> = { verify: SpanKind.SERVER, store: SpanKind.INTERNAL, deliver: SpanKind.CLIENT };

export function traceIdFor(eventKey: string): string {
  return createHash('sha256').update(`trace:${eventKey}`).digest('hex').slice(0, 32);
}

function rootContext(eventKey: string): SpanContext {
  const spanId = createHash('sha256').update(`root:${eventKey}`).digest('hex').slice(0, 16);
  return { traceId: traceIdFor(eventKey), spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
}

export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags.toString(16).padStart(2, '0')}`;
}

export interface TracingOptions {
  env: NodeJS.ProcessEnv;
  /** Tests pass an in-memory exporter; it is used as is (spans exported as they end). */
  exporter?: SpanExporter;
}

/** The standard switch: an OTLP endpoint is configured, the SDK is not disabled, the exporter is not `none`. */
export function otlpConfigured(env: NodeJS.ProcessEnv): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return false;
  if ((env.OTEL_TRACES_EXPORTER ?? '').toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export class Tracing {
  private readonly tracer: Tracer;

  private constructor(private readonly provider: BasicTracerProvider) {
    // Not registered globally: several runtimes in one process keep their own provider.
    this.tracer = provider.getTracer('payment-webhooks-runtime');
  }

  /** Tracing on (OTLP from the environment, or the given exporter), or undefined when off. */
  static create(options: TracingOptions): Tracing | undefined {
    if (!options.exporter && !otlpConfigured(options.env)) return undefined;
    const provider = new BasicTracerProvider({
      resource: new Resource({ 'service.name': options.env.OTEL_SERVICE_NAME || 'payment-webhooks' }),
    });
    // The OTLP exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout) itself.
    provider.addSpanProcessor(options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter()));
    return new Tracing(provider);
  }

  async span<T>(eventKey: string, name: SpanName, attributes: SpanAttributes, work: TracedWork<T>): Promise<T> {
    const span = this.tracer.startSpan(
      `payment_webhooks.${name}`,
      { kind: SPAN_KIND[name], attributes: { 'payment_webhooks.event_key': eventKey, ...attributes } },
      trace.setSpanContext(ROOT_CONTEXT, rootContext(eventKey)),
    );
    try {
      return await work(formatTraceparent(span.spanContext()), (more, failed) => {
        span.setAttributes(more);
        if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
      });
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  }

  recordSpan(eventKey: string, name: SpanName, startedAt: number, endedAt: number, attributes: SpanAttributes): void {
    const span = this.tracer.startSpan(
      `payment_webhooks.${name}`,
      { kind: SPAN_KIND[name], startTime: startedAt, attributes: { 'payment_webhooks.event_key': eventKey, ...attributes } },
      trace.setSpanContext(ROOT_CONTEXT, rootContext(eventKey)),
    );
    span.end(endedAt);
  }

  /** A traceparent naming the event's root: for requests made outside a span. */
  traceparent(eventKey: string): string {
    return formatTraceparent(rootContext(eventKey));
  }

  /** Exports what is buffered and stops. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}
