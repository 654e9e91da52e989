import { randomBytes } from 'node:crypto';
import type { Insights } from '../../core/insights';
import { startDestination, waitFor, type Destination } from '../runtime/support/harness';
import { insightsWeek } from '../support/insights-events';
import { checkedPngSize, expectedTables, figure, reportTables } from '../support/insights-report';
import { CREDENTIAL_IDS } from './support/credentials';
import { matrixVersions } from './support/n8n-install';
import { packNodePackage } from './support/package-tarball';
import { startRuntime, type RuntimeProcess } from './support/runtime-process';
import type { MailPart, ReceivedMail } from './support/smtp-sink';
import { post } from './support/stripe-events';
import { insightsHeaders, startWorld, type World } from './support/world';

/*
 * The weekly insights template in real n8n, our package installed as n8n installs community
 * packages, against a real connector runtime (its own process, SQLite) that has stored a week
 * of Stripe-SDK-signed events and dead-lettered the ones its destination refused. The mail the
 * loopback SMTP server captures carries, table by table, the figures the runtime's
 * `/admin/insights` gives at that moment, and its chart is a whole PNG of the size the HTML declares.
 */
jest.setTimeout(10 * 60_000);

const SUBJECT = 'Payments: weekly insights';

let tarball: string;
beforeAll(() => {
  tarball = packNodePackage();
});

const partOfType = (mail: ReceivedMail, type: string): MailPart => {
  const part = mail.parts.find((candidate) => (candidate.headers['content-type'] ?? '').startsWith(type));
  if (!part) throw new Error(`the mail has no ${type} part; parts: ${JSON.stringify(mail.parts.map((p) => p.headers['content-type']))}`);
  return part;
};

describe.each(matrixVersions())('n8n %s', (version) => {
  const adminToken = randomBytes(16).toString('hex');
  let world: World;
  let destination: Destination;
  let runtime: RuntimeProcess;
  const workflowId = () => world.templates['weekly-insights'].id;
  const sendNow = (headers: Record<string, string>) => fetch(world.n8n.webhookUrl('payment-insights/send'), { method: 'POST', headers });
  const adminInsights = async () => (await (await fetch(`${runtime.url}/admin/insights?days=7`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as Insights;
  const reports = () => world.smtp.messages.filter((mail) => mail.subject.startsWith(SUBJECT));

  beforeAll(async () => {
    world = await startWorld({ version, tarball, workflows: [] });
    const week = insightsWeek(world.stripeSecret);
    destination = await startDestination((_attempt, id) => (week.refused.has(id) ? 503 : 200));
    runtime = await startRuntime({ stripeSecret: world.stripeSecret, destinationUrl: destination.url, deliverySecret: world.deliverySecret, adminToken });
    for (const request of week.requests) expect((await post(`${runtime.url}/webhooks/stripe`, request)).status).toBe(200);
    // Settled: every event delivered or, after its last attempt, dead-lettered.
    await waitFor(
      async () => {
        const { fulfilment } = await adminInsights();
        const total = (field: 'fulfilled' | 'deadLettered' | 'pending') => fulfilment.reduce((sum, row) => sum + row[field], 0);
        return total('fulfilled') === week.requests.length - week.refused.size && total('deadLettered') === week.refused.size && total('pending') === 0;
      },
      'the runtime to deliver or dead-letter every event',
      60_000,
    );
    await world.owner.rest('PATCH', `/rest/credentials/${CREDENTIAL_IDS.runtimeAdmin}`, {
      name: 'Payment webhooks runtime admin',
      type: 'paymentWebhooksRuntimeApi',
      data: { baseUrl: runtime.url, token: adminToken },
    });
  });
  afterAll(async () => {
    await runtime?.stop();
    await destination?.close();
    await world?.stop();
  });

  test('without the request token the webhook refuses and nothing is mailed', async () => {
    expect((await sendNow({ 'x-insights-token': 'wrong' })).status).toBe(403);
    expect((await sendNow({})).status).toBe(403);
    expect(world.n8n.executions.list(workflowId())).toHaveLength(0);
    expect(reports()).toHaveLength(0);
  });

  test('Send Now mails one report whose figures are /admin/insights’, with the chart inline as a PNG', async () => {
    const response = await sendNow(insightsHeaders(world));
    expect(response.status).toBe(200);
    // Nothing reaches the runtime between the mail and this call, so its figures are the mail's.
    const insights = await adminInsights();
    const [run] = await world.n8n.executions.waitForFinished(workflowId(), 1);
    expect(run.status).toBe('success');
    const [mail] = reports();
    expect(reports()).toHaveLength(1);
    expect(mail.to).toEqual(['payments-team@example.com']);
    expect(mail.from).toBe('payments@example.com');
    expect(mail.subject).toBe(`${SUBJECT} ${insights.from.slice(0, 10)} to ${insights.to.slice(0, 10)}`);

    const html = partOfType(mail, 'text/html').body.toString('utf8');
    expect(reportTables(html)).toEqual(expectedTables(insights));
    expect(figure(html, 'events')).toBe(String(insights.events));
    expect(figure(html, 'cancellations-total')).toBe(String(insights.cancellations.total));
    // What the week comes to, as the runtime counts it: the comparison above is not between two empty reports.
    expect(insights.failureRate.byPaymentMethod.map((row) => row.key)).toEqual(['card', 'sepa_debit', 'us_bank_account']);
    expect(insights.fulfilment.reduce((sum, row) => sum + row.deadLettered, 0)).toBe(3);
    expect(insights.cancellations.byHourOfDay[9]).toBe(2);

    const image = partOfType(mail, 'image/png');
    expect(image.headers['content-id']).toBe('<chart>');
    const size = checkedPngSize(image.body);
    expect(html).toContain(`<img src="cid:chart" width="${size.width}" height="${size.height}"`);
  });
});
