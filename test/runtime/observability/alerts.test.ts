import { join } from 'node:path';
import pino from 'pino';
import { Alerter } from '../../../runtime/src/alerts/alerter';
import { ALERT_DEFAULTS, readAlertsConfig } from '../../../runtime/src/alerts/config';
import type { RiskAssessment } from '../../../core/risk/types';
import { postWebhook, startDestination, stripeEventBody, stripeSigned, tempDir, waitFor, type Destination } from '../support/harness';
import { observedConfig, sample, scrape, startObserved } from './support';

/**
 * Alerts reach the configured URL as Slack-compatible JSON, once per kind and subject per
 * window: a burst of refused signatures, a destination failing again and again, dead
 * letters past the threshold, and a risk spike.
 */
jest.setTimeout(60_000);

const dir = tempDir();
afterAll(() => dir.remove());

interface Posted {
  text: string;
  blocks: unknown[];
  alert: { kind: string; subject: string; summary: string; details: Record<string, unknown> };
}
const posted = (receiver: Destination) => receiver.received.map((entry) => JSON.parse(entry.body) as Posted);

describe('a runtime with alerts configured', () => {
  it('posts one alert per kind and subject for a refused burst, a failing destination and piling dead letters', async () => {
    const receiver = await startDestination();
    const failing = await startDestination(() => 500);
    const { runtime, url } = await startObserved(
      observedConfig({
        storage: `sqlite:${join(dir.path, 'alerts.db')}`,
        destinationUrl: failing.url,
        retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 10 },
        alerts: { url: receiver.url, refusedBurst: { count: 3, windowMs: 60_000 }, failingDeliveries: 2, deadLetters: 2 },
      }),
    );
    try {
      for (let probe = 0; probe < 6; probe++) {
        const body = stripeEventBody();
        expect((await postWebhook(url, 'stripe', body, stripeSigned(body, 'whsec_probe'))).status).toBe(401);
      }
      for (let index = 0; index < 3; index++) {
        const body = stripeEventBody();
        expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
      }
      await waitFor(async () => sample(await scrape(url), 'payment_webhooks_events_dead_lettered_total', { destination: 'n8n' }) === 3, 'three dead letters');
      await runtime.observability!.alerter!.settle();

      const alerts = posted(receiver);
      expect(alerts.map((alert) => `${alert.alert.kind}|${alert.alert.subject}`).sort()).toEqual([
        'dead_letters|all',
        'delivery_failing|n8n',
        'refused_burst|stripe',
      ]);
      for (const alert of alerts) {
        expect(alert.text).toContain(alert.alert.summary);
        expect(alert.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining(alert.alert.kind) } }]);
      }
      expect(alerts.find((alert) => alert.alert.kind === 'refused_burst')!.alert.details).toEqual({ refused: 3, windowSeconds: 60, reason: 'signature_mismatch' });
      expect(alerts.find((alert) => alert.alert.kind === 'dead_letters')!.alert.details).toMatchObject({ threshold: 2 });
      const text = await scrape(url);
      for (const kind of ['refused_burst', 'delivery_failing', 'dead_letters']) {
        expect(sample(text, 'payment_webhooks_alerts_sent_total', { alert: kind })).toBe(1);
      }
    } finally {
      await runtime.close();
      await receiver.close();
      await failing.close();
    }
  });
});

describe('the alerter', () => {
  const spike = (fired: boolean): RiskAssessment => ({
    lane: 'standard',
    score: fired ? 30 : 0,
    reasons: [],
    signals: [{ id: 'spike.source', label: 'events per minute far above the usual', value: 120, limit: 40, weight: 30, fired, points: fired ? 30 : 0 }],
  });

  it('alerts on a risk spike once per window and again after it', async () => {
    const receiver = await startDestination();
    let now = Date.parse('2026-11-30T10:00:00Z');
    const alerter = new Alerter({
      config: { ...ALERT_DEFAULTS, url: receiver.url, windowMs: 60_000 },
      logger: pino({ level: 'silent' }),
      openDeadLetters: async () => 0,
      now: () => now,
    });
    try {
      alerter.risk('stripe', spike(false));
      alerter.risk('stripe', spike(true));
      alerter.risk('stripe', spike(true));
      alerter.risk('adyen', spike(true));
      now += 59_000;
      alerter.risk('stripe', spike(true));
      await alerter.settle();
      expect(posted(receiver).map((alert) => `${alert.alert.kind}|${alert.alert.subject}`)).toEqual(['risk_spike|stripe', 'risk_spike|adyen']);
      now += 2_000;
      alerter.risk('stripe', spike(true));
      await alerter.settle();
      expect(posted(receiver)).toHaveLength(3);
      expect(posted(receiver)[2].alert).toMatchObject({ kind: 'risk_spike', subject: 'stripe', details: { value: 120, limit: 40 } });
    } finally {
      await receiver.close();
    }
  });

  it('forgets failures once a delivery succeeds', async () => {
    const receiver = await startDestination();
    const alerter = new Alerter({
      config: { ...ALERT_DEFAULTS, url: receiver.url, failingDeliveries: 3 },
      logger: pino({ level: 'silent' }),
      openDeadLetters: async () => 0,
    });
    try {
      for (const result of ['retry', 'retry', 'delivered', 'retry', 'retry'] as const) alerter.delivery('n8n', result);
      await alerter.settle();
      expect(receiver.received).toHaveLength(0);
      alerter.delivery('n8n', 'retry');
      await alerter.settle();
      expect(posted(receiver).map((alert) => alert.alert.details)).toEqual([{ consecutiveFailures: 3 }]);
    } finally {
      await receiver.close();
    }
  });
});

it('checks the alerts config and names each wrong field', () => {
  expect(readAlertsConfig(undefined)).toEqual({ errors: [] });
  expect(readAlertsConfig({ url: 'ftp://x', windowMs: 0, refusedBurst: { count: 'many' }, surprise: 1 }).errors).toEqual([
    'alerts.surprise: unknown field',
    'alerts.url: must be an http or https URL',
    'alerts.windowMs: must be an integer ≥ 1',
    'alerts.refusedBurst.count: must be an integer ≥ 1',
  ]);
  expect(readAlertsConfig({ url: 'https://hooks.example.com/alert' }).config).toEqual({ ...ALERT_DEFAULTS, url: 'https://hooks.example.com/alert' });
});
