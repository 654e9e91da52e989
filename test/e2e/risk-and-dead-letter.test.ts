import { randomUUID } from 'node:crypto';
import { matrixVersions } from './support/n8n-install';
import { startN8n, type N8nInstance, type WorkflowExport } from './support/n8n-instance';
import { packNodePackage } from './support/package-tarball';
import { paymentEvent } from '../unit/risk/events';

/*
 * The Payment Risk and Payment Dead Letter nodes installed into a real n8n the way n8n
 * installs community packages, run by real webhooks: risk routing to named outputs, dead
 * letters added and replayed, and a replay of a completed event landing in the Duplicate
 * output of Payment Idempotency.
 */
jest.setTimeout(600_000);

const PACKAGE = 'n8n-nodes-payment-webhooks';
const REDIS_CREDENTIAL = { paymentWebhooksRedis: { id: 'pwE2eRedisRiskDl', name: 'Redis (risk and dead letters)' } };

type Node = WorkflowExport['nodes'][number] & Record<string, unknown>;
let position = 0;
const node = (name: string, type: string, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}): Node => ({
  id: randomUUID(),
  name,
  type,
  typeVersion: 1,
  position: [(position += 220), 0],
  parameters,
  ...extra,
});
const webhook = (path: string): Node =>
  node('Webhook', 'n8n-nodes-base.webhook', { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} }, { typeVersion: 2, webhookId: randomUUID() });
const ours = (name: string, nodeName: string, parameters: Record<string, unknown>) =>
  node(name, `${PACKAGE}.${nodeName}`, parameters, { credentials: REDIS_CREDENTIAL });
const noOp = (name: string) => node(name, 'n8n-nodes-base.noOp', {});
const link = (...targets: string[][]) => ({ main: targets.map((names) => names.map((name) => ({ node: name, type: 'main', index: 0 }))) });

const IDS = { orders: 'pwE2eOrders00001', add: 'pwE2eDeadLetter1', replay: 'pwE2eReplay00001', risk: 'pwE2eRisk0000001' };
const workflow = (id: string, name: string, nodes: Node[], connections: Record<string, unknown>): WorkflowExport => ({
  id,
  name,
  nodes,
  connections,
  settings: { executionOrder: 'v1' },
});

const workflows: WorkflowExport[] = [
  // The workflow replays arrive at: claim, do the work, complete; duplicates go aside.
  workflow(IDS.orders, 'Orders', [
    webhook('e2e-orders'),
    ours('Claim', 'paymentIdempotency', { operation: 'claim', key: '={{ $json.body.idempotencyKey }}' }),
    ours('Complete', 'paymentIdempotency', { operation: 'complete', key: '={{ $json.body.idempotencyKey }}' }),
    noOp('Already handled'),
  ], { Webhook: link(['Claim']), Claim: link(['Complete'], ['Already handled']) }),
  workflow(IDS.add, 'Keep failed event', [
    webhook('e2e-dead-letter'),
    ours('Payment Dead Letter', 'paymentDeadLetter', {
      operation: 'add',
      event: '={{ $json.body.event }}',
      replayUrl: '={{ $json.body.replayUrl }}',
      errorMessage: 'Create shipment: the service refused the connection',
    }),
  ], { Webhook: link(['Payment Dead Letter']) }),
  workflow(IDS.replay, 'Replay failed events', [
    webhook('e2e-replay'),
    ours('Count', 'paymentDeadLetter', { operation: 'replay', replayWhich: 'matching', dryRun: true }),
    ours('Replay', 'paymentDeadLetter', { operation: 'replay', replayWhich: 'matching', dryRun: false }),
  ], { Webhook: link(['Count']), Count: link(['Replay']) }),
  workflow(IDS.risk, 'Route by risk', [
    webhook('e2e-risk'),
    ours('Payment Risk', 'paymentRisk', { event: '={{ $json.body }}' }),
    noOp('Priority lane'),
    noOp('Standard lane'),
    noOp('Review lane'),
    noOp('Block lane'),
  ], { Webhook: link(['Payment Risk']), 'Payment Risk': link(['Priority lane'], ['Standard lane'], ['Review lane'], ['Block lane']) }),
];

async function post(n8n: N8nInstance, path: string, body: unknown): Promise<void> {
  const response = await fetch(n8n.webhookUrl(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${await response.text()}`);
}

describe.each(matrixVersions())('Payment Risk and Payment Dead Letter in n8n %s', (version) => {
  let n8n: N8nInstance;
  beforeAll(async () => {
    const redis = new URL(process.env.REDIS_URL!);
    n8n = await startN8n({
      version,
      tarball: packNodePackage(),
      credentials: [
        {
          id: REDIS_CREDENTIAL.paymentWebhooksRedis.id,
          name: REDIS_CREDENTIAL.paymentWebhooksRedis.name,
          type: 'paymentWebhooksRedis',
          data: { host: redis.hostname, port: Number(redis.port), password: '', database: 0, tls: false, keyPrefix: `e2e:risk-dl:${randomUUID()}:` },
        },
      ],
      workflows,
      webhookPaths: ['e2e-orders', 'e2e-dead-letter', 'e2e-replay', 'e2e-risk'],
    });
  });
  afterAll(() => n8n?.stop());

  const finished = async (id: string, count: number) => {
    const rows = await n8n.executions.waitForFinished(id, count);
    const failed = rows.filter((row) => row.status !== 'success');
    if (failed.length) throw new Error(`failed executions: ${JSON.stringify(failed)}\n${JSON.stringify(n8n.executions.data(failed[0].id).resultData.error)}`);
    return rows;
  };

  it('routes events to the named risk outputs', async () => {
    await post(n8n, 'e2e-risk', paymentEvent({ amount: { minor: 750_000, currency: 'USD' }, customer: { id: 'cus_e2e_big' } }));
    for (let i = 0; i < 8; i++) {
      await post(n8n, 'e2e-risk', paymentEvent({ kind: 'payment.failed', type: 'charge.failed', amount: { minor: 100, currency: 'USD' }, risk: { ip: '203.0.113.200', cardFingerprint: `fp_e2e_${i}` } }));
      await finished(IDS.risk, i + 2);
    }
    const rows = await finished(IDS.risk, 9);
    const lanes = rows.map((row) => n8n.executions.outputOf(row.id, 'Payment Risk').findIndex((items) => items.length > 0));
    expect(lanes[0]).toBe(0);
    expect(lanes.at(-1)).toBe(3);
    const blocked = n8n.executions.outputOf(rows.at(-1)!.id, 'Payment Risk')[3][0]._risk as { reasons: string[] };
    expect(blocked.reasons).toContain('Different cards used by this IP address in 10 min: 8 (limit 4)');
    expect(n8n.executions.nodesRun(rows.at(-1)!.id)).toContain('Block lane');
  });

  it('keeps failed events and replays them; the completed one lands in Duplicate', async () => {
    const completed = paymentEvent();
    const neverRan = paymentEvent();
    await post(n8n, 'e2e-orders', completed);
    await finished(IDS.orders, 1);
    const replayUrl = n8n.webhookUrl('e2e-orders');
    await post(n8n, 'e2e-dead-letter', { event: completed, replayUrl });
    await post(n8n, 'e2e-dead-letter', { event: neverRan, replayUrl });
    const added = await finished(IDS.add, 2);
    expect(n8n.executions.outputOf(added[0].id, 'Payment Dead Letter')[0][0]).toMatchObject({ idempotencyKey: completed.idempotencyKey, status: 'open', origin: { replayUrl } });

    await post(n8n, 'e2e-replay', {});
    const [replay] = await finished(IDS.replay, 1);
    expect(n8n.executions.outputOf(replay.id, 'Count')[0][0]).toMatchObject({ matched: 2, dryRun: true });
    expect(n8n.executions.outputOf(replay.id, 'Replay')[0][0]).toMatchObject({ matched: 2, dryRun: false, replayed: 2, failed: 0 });

    const orders = (await finished(IDS.orders, 3)).slice(1);
    const outcome = (id: string) => {
      const [fresh, duplicate] = n8n.executions.outputOf(id, 'Claim');
      const item = fresh[0] ?? duplicate[0];
      return `${(item.body as { idempotencyKey: string }).idempotencyKey} ${fresh.length ? 'New' : 'Duplicate'}`;
    };
    expect(orders.map((row) => outcome(row.id)).sort()).toEqual([`${completed.idempotencyKey} Duplicate`, `${neverRan.idempotencyKey} New`].sort());
  });
});
