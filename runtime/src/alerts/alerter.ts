import type { Logger } from 'pino';
import type { RiskAssessment } from '../../../core/risk/types';
import type { DeliveryResult } from '../observer';
import type { AlertsConfig } from './config';
import { BucketedWindowCounter } from './window-counter';

/**
 * Watches what the observer reports and POSTs an alert when something needs a human:
 * a risk spike, a burst of refused signatures (someone probing the endpoint), dead letters
 * piling up, or a destination that keeps failing. Each (kind, subject) alerts at most once
 * per window, so an outage is one message, not thousands. The body is Slack-compatible
 * (`text`, `blocks`) with the details under `alert` for an n8n workflow to route.
 *
 * The windows are per process: with several ingress processes, each may alert once.
 */
export type AlertKind = 'risk_spike' | 'refused_burst' | 'dead_letters' | 'delivery_failing';

export interface Alert {
  kind: AlertKind;
  /** The source, the destination, or `all`. */
  subject: string;
  summary: string;
  at: string;
  details: Record<string, string | number>;
}

export interface AlerterOptions {
  config: AlertsConfig;
  logger: Logger;
  /** How many dead letters are open now. */
  openDeadLetters: () => Promise<number>;
  /** Called for each alert posted (metrics). */
  onSent?: (alert: Alert) => void;
  now?: () => number;
  fetch?: typeof fetch;
}

const POST_TIMEOUT_MS = 5_000;

export class Alerter {
  private readonly lastSent = new Map<string, number>();
  private readonly refusals: BucketedWindowCounter;
  private readonly failures = new Map<string, number>();
  private readonly now: () => number;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: AlerterOptions) {
    this.now = options.now ?? Date.now;
    this.refusals = new BucketedWindowCounter(options.config.refusedBurst.windowMs);
  }

  risk(source: string, assessment: RiskAssessment): void {
    if (!this.options.config.riskSpike) return;
    const spike = assessment.signals.find((signal) => signal.fired && signal.id.startsWith('spike.'));
    if (!spike) return;
    this.fire('risk_spike', source, `Traffic spike on source ${source}: ${spike.label}`, { value: spike.value, limit: spike.limit });
  }

  refused(source: string, reason: string): void {
    const { count, windowMs } = this.options.config.refusedBurst;
    // Refusals arrive by the thousand in a flood: counting one must not cost more than the last.
    const recent = this.refusals.add(source, this.now());
    if (recent >= count) {
      this.fire('refused_burst', source, `${recent} refused webhooks on source ${source} within ${windowMs / 1000} s (last reason: ${reason}): someone may be probing the endpoint`, {
        refused: recent,
        windowSeconds: windowMs / 1000,
        reason,
      });
    }
  }

  delivery(destination: string, result: DeliveryResult): void {
    if (result === 'delivered') {
      this.failures.delete(destination);
      return;
    }
    const failures = (this.failures.get(destination) ?? 0) + 1;
    this.failures.set(destination, failures);
    if (failures >= this.options.config.failingDeliveries) {
      this.fire('delivery_failing', destination, `Delivery to ${destination} failed ${failures} times in a row`, { consecutiveFailures: failures });
    }
    if (result === 'dead_letter') this.track(this.checkDeadLetters());
  }

  private async checkDeadLetters(): Promise<void> {
    const open = await this.options.openDeadLetters();
    if (open >= this.options.config.deadLetters) {
      this.fire('dead_letters', 'all', `${open} dead letters are open (threshold ${this.options.config.deadLetters}): review and replay them`, {
        open,
        threshold: this.options.config.deadLetters,
      });
    }
  }

  private fire(kind: AlertKind, subject: string, summary: string, details: Alert['details']): void {
    const key = `${kind}|${subject}`;
    const now = this.now();
    const last = this.lastSent.get(key);
    if (last !== undefined && now - last < this.options.config.windowMs) return;
    this.lastSent.set(key, now);
    this.track(this.post({ kind, subject, summary, at: new Date(now).toISOString(), details }));
  }

  private async post(alert: Alert): Promise<void> {
    const body = {
      text: `:rotating_light: payment-webhooks: ${alert.summary}`,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${alert.kind}* (${alert.subject})\n${alert.summary}` } }],
      alert,
    };
    try {
      const response = await (this.options.fetch ?? fetch)(this.options.config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'payment-webhooks-runtime' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.options.onSent?.(alert);
      this.options.logger.warn({ alert: alert.kind, subject: alert.subject }, 'alert sent');
    } catch (error) {
      this.options.logger.error({ alert: alert.kind, subject: alert.subject, error: (error as Error).message }, 'alert could not be sent');
    }
  }

  private track(promise: Promise<void>): void {
    const guarded = promise.catch((error: unknown) => this.options.logger.error({ error: (error as Error).message }, 'alert check failed'));
    this.pending.add(guarded);
    void guarded.finally(() => this.pending.delete(guarded));
  }

  /** Waits for alerts being posted (shutdown, tests). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
