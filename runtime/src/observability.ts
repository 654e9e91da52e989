import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { PaymentEvent } from '../../core/event';
import type { RiskAssessment } from '../../core/risk/types';
import { Alerter } from './alerts/alerter';
import type { RuntimeConfig } from './config/types';
import { cachedDeadLetterCounts, type CachedDeadLetterCounts } from './deadletter/counts';
import { RuntimeMetrics } from './metrics/metrics';
import { noopObserver, type DeliveryResult, type IngressOutcome, type Observer, type SpanAttributes, type SpanName, type StoreOutcome, type TracedWork } from './observer';
import { Activity } from './status/activity';
import type { EventFacts, RuntimeStorage } from './storage/types';
import { Tracing } from './tracing/tracing';

/**
 * The runtime's Observer: one report fans out to the metrics, the traces, the alerts and
 * the status page's last hour. Everything here belongs to one runtime instance.
 */
export interface ObservabilityOptions {
  config: RuntimeConfig;
  storage: RuntimeStorage;
  logger: Logger;
  /** Where OTEL_EXPORTER_OTLP_* are read (the process environment by default). */
  env?: NodeJS.ProcessEnv;
  /** A span exporter to use instead of OTLP (tests). */
  spanExporter?: SpanExporter;
  /** For the alert POSTs (tests). */
  fetch?: typeof fetch;
  now?: () => number;
}

export class Observability implements Observer {
  readonly metrics: RuntimeMetrics;
  readonly activity: Activity;
  /** Open dead letters and the rest, counted by the storage and cached for metrics, status page and alerts. */
  readonly deadLetterCounts: CachedDeadLetterCounts;
  readonly tracing?: Tracing;
  readonly alerter?: Alerter;

  constructor(options: ObservabilityOptions) {
    const { config, storage } = options;
    this.deadLetterCounts = cachedDeadLetterCounts(storage.deadLetters);
    this.metrics = new RuntimeMetrics({ config, storage, now: options.now, deadLetterCounts: this.deadLetterCounts });
    this.activity = new Activity(
      config.sources.map((source) => source.name),
      config.destinations.map((destination) => destination.name),
      options.now,
    );
    this.tracing = Tracing.create({ env: options.env ?? process.env, exporter: options.spanExporter });
    if (config.alerts) {
      this.alerter = new Alerter({
        config: config.alerts,
        logger: options.logger,
        openDeadLetters: async () => (await this.deadLetterCounts.get()).open,
        onSent: (alert) => this.metrics.alertsSent.inc({ alert: alert.kind }),
        now: options.now,
        fetch: options.fetch,
      });
    }
  }

  ingress(source: string, outcome: IngressOutcome, detail?: { reason?: string; durationMs?: number }): void {
    this.metrics.ingress(source, outcome, detail);
    this.activity.ingress(source, outcome);
    if (outcome === 'refused') this.alerter?.refused(source, detail?.reason ?? 'refused');
  }

  stored(source: string, _event: PaymentEvent, outcome: StoreOutcome): void {
    this.metrics.storedEvent(source, outcome);
  }

  risk(source: string, _event: PaymentEvent, assessment: RiskAssessment): void {
    this.metrics.risk(source, assessment);
    this.alerter?.risk(source, assessment);
  }

  delivery(destination: string, result: DeliveryResult, detail: { attempt: number; httpStatus?: number; durationMs: number; event: EventFacts }): void {
    // The handler reports a dead letter once it is written: the next count must include it.
    if (result === 'dead_letter') this.deadLetterCounts.invalidate();
    this.metrics.delivery(destination, result, detail);
    this.activity.delivery(destination, result, detail.httpStatus);
    this.alerter?.delivery(destination, result);
  }

  span<T>(eventKey: string, name: SpanName, attributes: SpanAttributes, work: TracedWork<T>): Promise<T> {
    return (this.tracing ?? noopObserver).span(eventKey, name, attributes, work);
  }

  recordSpan(eventKey: string, name: SpanName, startedAt: number, endedAt: number, attributes: SpanAttributes): void {
    this.tracing?.recordSpan(eventKey, name, startedAt, endedAt, attributes);
  }

  traceparent(eventKey: string): string {
    return (this.tracing ?? noopObserver).traceparent(eventKey);
  }

  /** Posts the alerts under way and flushes the spans. */
  async close(): Promise<void> {
    await this.alerter?.settle();
    await this.tracing?.shutdown();
  }
}
