import { join } from 'node:path';
import type { ICredentialDataDecryptedObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { PaymentInsights } from '../../nodes/PaymentInsights/PaymentInsights.node';
import type { Insights } from '../../core/insights';
import { insightsWeek } from '../support/insights-events';
import { checkedPngSize, expectedTables, figure, reportTables } from '../support/insights-report';
import type { Runtime } from '../../runtime/src/runtime';
import { ADMIN_TOKEN, STRIPE_SECRET, postWebhook, startDestination, startRuntime, tempDir, waitFor, type Destination } from '../runtime/support/harness';
import { missingIconFiles } from './support/icons';
import { runWorkflow } from './support/workflow-run';

/**
 * The Payment Insights node in n8n's execution engine against a real connector runtime (SQLite
 * file, in this process) that has stored a week of Stripe events and dead-lettered some: the
 * report's every table equals the runtime's own `/admin/insights`, and the chart is a whole PNG.
 */
const insightsNode = new PaymentInsights();

describe('Payment Insights node against a running connector runtime', () => {
  const dir = tempDir();
  let destination: Destination;
  let runtime: Runtime;
  let baseUrl: string;
  let refusedCount: number;

  const run = (parameters: INodeParameters = {}, credential: ICredentialDataDecryptedObject = { baseUrl, token: ADMIN_TOKEN }, continueOnFail = false) =>
    runWorkflow({
      node: insightsNode,
      items: [{ json: {} }],
      parameters: { operation: 'renderWeeklyReport', ...parameters },
      credentials: { paymentWebhooksRuntimeApi: credential },
      continueOnFail,
    }).then(([output]) => output);
  const adminInsights = async (days: number) =>
    (await (await fetch(`${baseUrl}/admin/insights?days=${days}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as Insights;
  const chartOf = (item: INodeExecutionData, property = 'chart') => {
    const binary = item.binary?.[property];
    if (!binary) throw new Error(`no binary property "${property}" on ${JSON.stringify(Object.keys(item.binary ?? {}))}`);
    return { binary, png: Buffer.from(binary.data, 'base64') };
  };

  beforeAll(async () => {
    const week = insightsWeek(STRIPE_SECRET);
    refusedCount = week.refused.size;
    destination = await startDestination((_attempt, id) => (week.refused.has(id) ? 503 : 200));
    ({ runtime, url: baseUrl } = await startRuntime({ storage: `sqlite:${join(dir.path, 'runtime.db')}`, destinationUrl: destination.url, retry: { maxAttempts: 2 } }));
    for (const request of week.requests) expect((await postWebhook(baseUrl, 'stripe', request.body, request.headers)).status).toBe(200);
    await waitFor(async () => {
      const { fulfilment } = await adminInsights(7);
      return fulfilment.reduce((sum, row) => sum + row.fulfilled, 0) === week.requests.length - refusedCount && fulfilment.every((row) => row.pending === 0);
    }, 'the runtime to deliver or dead-letter every event', 30_000);
  }, 60_000);
  afterAll(async () => {
    await runtime?.close();
    await destination?.close();
    dir.remove();
  });

  it('renders every figure of /admin/insights into the report, with the charts as a PNG', async () => {
    const [report] = await run();
    const insights = await adminInsights(7);
    // The runtime's figures, for the record of what was compared.
    expect(insights.fulfilment.reduce((sum, row) => sum + row.deadLettered, 0)).toBe(refusedCount);
    expect(insights.failureRate.byPaymentMethod.map((row) => row.key)).toEqual(['card', 'sepa_debit', 'us_bank_account']);
    expect(insights.cancellations.byHourOfDay[9]).toBe(2);

    const html = String(report.json.html);
    expect(reportTables(html)).toEqual(expectedTables(insights));
    expect(figure(html, 'events')).toBe(String(insights.events));
    expect(figure(html, 'from').slice(0, 10)).toBe(insights.from.slice(0, 10));
    expect(figure(html, 'cancellations-total')).toBe(String(insights.cancellations.total));
    expect(report.json.subject).toBe(`Payments: weekly insights ${insights.from.slice(0, 10)} to ${insights.to.slice(0, 10)}`);
    expect(report.json.insights).toMatchObject({ events: insights.events, fulfilment: insights.fulfilment });

    const { binary, png } = chartOf(report);
    expect(binary).toMatchObject({ mimeType: 'image/png', fileName: 'payment-insights.png' });
    const size = checkedPngSize(png);
    expect(report.json.chart).toEqual({ property: 'chart', ...size });
    expect(html).toContain(`<img src="cid:chart" width="${size.width}" height="${size.height}"`);
  });

  it('reads the number of days asked for, and puts the chart in the binary property named', async () => {
    const [report] = await run({ days: 2, chartProperty: 'weekly' });
    const insights = await adminInsights(2);
    // The window is the runtime's: two days back from the time of the request (its events were all stored just now).
    const day = (iso: string) => iso.slice(0, 10);
    expect(day(figure(String(report.json.html), 'from'))).toBe(day(insights.from));
    expect(day(insights.from)).not.toBe(day((await adminInsights(7)).from));
    expect(reportTables(String(report.json.html))).toEqual(expectedTables(insights));
    checkedPngSize(chartOf(report, 'weekly').png);
    expect(String(report.json.html)).toContain('<img src="cid:weekly"');
  });

  it('fails with the runtime’s answer when the admin token is wrong, or goes on with it when told to', async () => {
    const wrong = { baseUrl, token: 'not-the-admin-token' };
    await expect(run({}, wrong)).rejects.toThrow("The runtime's admin API answered HTTP 401: unauthorized (check the admin token)");
    const [failed] = await run({}, wrong, true);
    expect(failed.json.error).toMatch(/HTTP 401/);
    expect(failed.binary).toBeUndefined();
  });
});

describe('Payment Insights node description', () => {
  it('names icon files that exist', () => {
    expect(missingIconFiles(insightsNode.description, join(__dirname, '..', '..', 'nodes', 'PaymentInsights'))).toEqual([]);
  });
});
