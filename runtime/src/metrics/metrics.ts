import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PaymentEvent } from '../../../core/event';
import type { RiskAssessment } from '../../../core/risk/types';
import type { RuntimeConfig } from '../config/types';
import { cachedDeadLetterCounts, type CachedDeadLetterCounts } from '../deadletter/counts';
import type { DeliveryResult, IngressOutcome, StoreOutcome } from '../observer';
import type { QueueStat, RuntimeStorage } from '../storage/types';

/**
 * The runtime's Prometheus metrics, in a registry of its own (never prom-client's global
 * one), so two runtimes in one process never mix their counts. Counters are fed by the
 * observer hooks; queue gauges are read from the storage at scrape time, the dead-letter
 * gauge from the shared count cache (deadletter/counts.ts).
 *
 * Per request to /webhooks/{source}: received, verified, refused. Per event: duplicates,
 * stored. Per delivery attempt: delivered, retried, dead-lettered.
 */
export const UNKNOWN_SOURCE = 'unknown';

/** Outcomes that mean the request's signature was good. */
const VERIFIED: ReadonlySet<IngressOutcome> = new Set(['accepted', 'duplicate', 'malformed', 'unavailable']);

/** From sub-millisecond acknowledgements to gateway timeouts. */
const ACK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** From a second to a day: end-to-end includes retries and outages. */
const END_TO_END_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

export interface MetricsOptions {
  config: RuntimeConfig;
  storage: RuntimeStorage;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  /** Node process metrics (CPU, memory, event loop); on by default. */
  processMetrics?: boolean;
  /** Shared with the status page and the alerts; a cache of its own by default. */
  deadLetterCounts?: CachedDeadLetterCounts;
}

export class RuntimeMetrics {
  readonly registry = new Registry();
  private readonly sources: Set<string>;
  private readonly now: () => number;

  private readonly received: Counter<'source'>;
  private readonly verified: Counter<'source'>;
  private readonly refused: Counter<'source' | 'reason'>;
  private readonly duplicates: Counter<'source'>;
  private readonly stored: Counter<'source'>;
  private readonly delivered: Counter<'destination'>;
  private readonly retried: Counter<'destination'>;
  private readonly deadLettered: Counter<'destination'>;
  private readonly riskAlarms: Counter<'source' | 'signal'>;
  readonly alertsSent: Counter<'alert'>;
  private readonly ackSeconds: Histogram<'source' | 'outcome'>;
  private readonly endToEndSeconds: Histogram<'destination'>;
  private readonly attemptSeconds: Histogram<'destination' | 'result'>;

  constructor(options: MetricsOptions) {
    const { config, storage } = options;
    const registers = [this.registry];
    this.now = options.now ?? Date.now;
    this.sources = new Set(config.sources.map((source) => source.name));
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({ name: `payment_webhooks_${name}`, help, labelNames, registers });

    this.received = counter('events_received_total', 'Webhook requests received for a configured source.', ['source']);
    this.verified = counter('events_verified_total', 'Webhook requests whose signature verified.', ['source']);
    this.refused = counter(
      'events_refused_total',
      'Webhook requests refused: a signature or confirmation failure (by reason), a malformed or oversized body, an unknown source.',
      ['source', 'reason'],
    );
    this.duplicates = counter('events_duplicates_total', 'Verified events already stored before (a gateway retry).', ['source']);
    this.stored = counter('events_stored_total', 'Verified events stored durably and queued for delivery.', ['source']);
    this.delivered = counter('events_delivered_total', 'Deliveries answered 2xx by the destination.', ['destination']);
    this.retried = counter('delivery_retries_total', 'Delivery attempts that failed and were scheduled again.', ['destination']);
    this.deadLettered = counter('events_dead_lettered_total', 'Deliveries given up and written to the dead letters.', ['destination']);
    this.riskAlarms = counter('risk_alarms_total', 'Risk signals that fired and added to an incoming event\'s score (core/risk signal id).', ['source', 'signal']);
    this.alertsSent = counter('alerts_sent_total', 'Alerts posted to the configured alert URL.', ['alert']);

    this.ackSeconds = new Histogram({
      name: 'payment_webhooks_ack_duration_seconds',
      help: 'From the request arriving to the 200 answer (stored or duplicate).',
      labelNames: ['source', 'outcome'],
      buckets: ACK_BUCKETS,
      registers,
    });
    this.endToEndSeconds = new Histogram({
      name: 'payment_webhooks_end_to_end_latency_seconds',
      help: "From the gateway's event time to the destination's 2xx.",
      labelNames: ['destination'],
      buckets: END_TO_END_BUCKETS,
      registers,
    });
    this.attemptSeconds = new Histogram({
      name: 'payment_webhooks_delivery_attempt_duration_seconds',
      help: 'One HTTP delivery attempt, by its result.',
      labelNames: ['destination', 'result'],
      buckets: ACK_BUCKETS,
      registers,
    });

    // Known series start at zero, so dashboards and rate() see them before the first event.
    for (const source of this.sources) {
      for (const metric of [this.received, this.verified, this.duplicates, this.stored]) metric.inc({ source }, 0);
    }
    for (const { name: destination } of config.destinations) {
      for (const metric of [this.delivered, this.retried, this.deadLettered]) metric.inc({ destination }, 0);
    }

    const now = this.now;
    const deadLetterCounts = options.deadLetterCounts ?? cachedDeadLetterCounts(storage.deadLetters);
    // Both queue gauges are collected together: they share the read in flight.
    let queueRead: Promise<QueueStat[]> | undefined;
    const queueStats = () => {
      queueRead ??= storage.queueStats().finally(() => (queueRead = undefined));
      return queueRead;
    };
    new Gauge({
      name: 'payment_webhooks_queue_depth',
      help: 'Deliveries waiting, scheduled for a retry or in flight, per destination and lane.',
      labelNames: ['destination', 'lane'],
      registers,
      async collect() {
        this.reset();
        for (const stat of await queueStats()) this.set({ destination: stat.destination, lane: stat.lane }, stat.depth);
      },
    });
    new Gauge({
      name: 'payment_webhooks_queue_oldest_age_seconds',
      help: 'Age of the oldest event still waiting for delivery, per destination and lane (0 when empty).',
      labelNames: ['destination', 'lane'],
      registers,
      async collect() {
        this.reset();
        for (const stat of await queueStats()) {
          const age = stat.oldestStoredAt === undefined ? 0 : Math.max(0, (now() - stat.oldestStoredAt) / 1000);
          this.set({ destination: stat.destination, lane: stat.lane }, age);
        }
      },
    });
    new Gauge({
      name: 'payment_webhooks_dead_letters_open',
      help: 'Dead letters waiting for a decision (status open).',
      registers,
      async collect() {
        this.set((await deadLetterCounts.get()).open);
      },
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Unconfigured names come from the URL: one label value for all of them keeps the series bounded. */
  private sourceLabel(source: string): string {
    return this.sources.has(source) ? source : UNKNOWN_SOURCE;
  }

  ingress(name: string, outcome: IngressOutcome, detail: { reason?: string; durationMs?: number } = {}): void {
    const source = this.sourceLabel(name);
    if (source !== UNKNOWN_SOURCE) this.received.inc({ source });
    if (VERIFIED.has(outcome)) this.verified.inc({ source });
    if (outcome === 'refused') this.refused.inc({ source, reason: detail.reason ?? 'refused' });
    if (outcome === 'malformed' || outcome === 'too_large' || outcome === 'unknown_source') this.refused.inc({ source, reason: outcome });
    if (detail.durationMs !== undefined) this.ackSeconds.observe({ source, outcome }, detail.durationMs / 1000);
  }

  storedEvent(name: string, outcome: StoreOutcome): void {
    const source = this.sourceLabel(name);
    (outcome === 'duplicate' ? this.duplicates : this.stored).inc({ source });
  }

  risk(name: string, assessment: RiskAssessment): void {
    // Weightless signals (amount.high) only choose the lane; they are not alarms.
    for (const signal of assessment.signals) {
      if (signal.fired && signal.weight > 0) this.riskAlarms.inc({ source: this.sourceLabel(name), signal: signal.id });
    }
  }

  delivery(destination: string, result: DeliveryResult, detail: { durationMs: number; event: Pick<PaymentEvent, 'occurredAt'> }): void {
    this.attemptSeconds.observe({ destination, result }, detail.durationMs / 1000);
    if (result === 'retry') this.retried.inc({ destination });
    if (result === 'dead_letter') this.deadLettered.inc({ destination });
    if (result !== 'delivered') return;
    this.delivered.inc({ destination });
    const occurred = Date.parse(detail.event.occurredAt);
    if (!Number.isNaN(occurred)) this.endToEndSeconds.observe({ destination }, Math.max(0, (this.now() - occurred) / 1000));
  }

  /** The exposition text and its content type, for GET /metrics. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
