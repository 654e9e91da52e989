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
import { rootSpanIdFor, rootTraceparent, traceIdFor, traceparentOf } from './ids';

/**
 * One trace per event, across processes and without storing anything: the trace id and
 * the id of the (never exported) root span are derived from the event's idempotency key.
 * Ingress (verify, store) and every delivery attempt, in whichever process runs it, open
 * their spans under that root, so a backend shows the event's whole path as one trace, and
 * an operator can find it from the key alone (`traceIdFor`).
 */
const SPAN_KIND: Record<SpanName, SpanKind> = { verify: SpanKind.SERVER, store: SpanKind.INTERNAL, deliver: SpanKind.CLIENT };

function rootContext(eventKey: string): SpanContext {
  return { traceId: traceIdFor(eventKey), spanId: rootSpanIdFor(eventKey), traceFlags: TraceFlags.SAMPLED, isRemote: true };
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

/** `key=value,key2=value2` (values URL-encoded), as OTEL_EXPORTER_OTLP_HEADERS is written. */
function parseHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

/** The standard variables, read from the given environment (the trace-specific ones win). */
function otlpOptions(env: NodeJS.ProcessEnv) {
  const base = (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').replace(/\/+$/, '');
  const timeout = Number(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT);
  return {
    url: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${base}/v1/traces`,
    headers: { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    ...(Number.isInteger(timeout) && timeout > 0 && { timeoutMillis: timeout }),
  };
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
    provider.addSpanProcessor(
      options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter(otlpOptions(options.env))),
    );
    return new Tracing(provider);
  }

  async span<T>(eventKey: string, name: SpanName, attributes: SpanAttributes, work: TracedWork<T>): Promise<T> {
    const span = this.tracer.startSpan(
      `payment_webhooks.${name}`,
      { kind: SPAN_KIND[name], attributes: { 'payment_webhooks.event_key': eventKey, ...attributes } },
      trace.setSpanContext(ROOT_CONTEXT, rootContext(eventKey)),
    );
    try {
      return await work(() => traceparentOf(span.spanContext().traceId, span.spanContext().spanId), (more, failed) => {
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
    return rootTraceparent(eventKey);
  }

  /** Exports what is buffered and stops; an unreachable collector only loses those spans. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }
}
