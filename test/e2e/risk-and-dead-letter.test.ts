import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisDeadLetterStore } from '../../core/deadletter';
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
const REDIS_CREDENTIAL = { paymentWebhooksRedisApi: { id: 'pwE2eRedisRiskDl', name: 'Redis (risk and dead letters)' } };
const N8N_API_CREDENTIAL = { id: 'pwE2eN8nApiKey01', name: 'This n8n', type: 'paymentWebhooksN8nApi' };

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
const ours = (name: string, nodeName: string, parameters: Record<string, unknown>, credentials: Record<string, unknown> = {}) =>
  node(name, `${PACKAGE}.${nodeName}`, parameters, { credentials: { ...REDIS_CREDENTIAL, ...credentials } });
const noOp = (name: string) => node(name, 'n8n-nodes-base.noOp', {});
const link = (...targets: string[][]) => ({ main: targets.map((names) => names.map((name) => ({ node: name, type: 'main', index: 0 }))) });

const IDS = {
  orders: 'pwE2eOrders00001',
  add: 'pwE2eDeadLetter1',
  replay: 'pwE2eReplay00001',
  risk: 'pwE2eRisk0000001',
  fulfil: 'pwE2eFulfil00001',
  errors: 'pwE2eErrors00001',
};
const workflow = (id: string, name: string, nodes: Node[], connections: Record<string, unknown>, settings: Record<string, unknown> = {}): WorkflowExport => ({
  id,
  name,
  nodes,
  connections,
  settings: { executionOrder: 'v1', ...settings },
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
  // A workflow that fails, and its error workflow: Error Trigger straight into Payment Dead Letter.
  workflow(IDS.fulfil, 'Fulfil order', [
    webhook('e2e-fulfil'),
    node('Create shipment', 'n8n-nodes-base.httpRequest', { method: 'POST', url: 'http://127.0.0.1:9/shipments', options: {} }, { typeVersion: 4.2 }),
  ], { Webhook: link(['Create shipment']) }, { errorWorkflow: IDS.errors }),
  workflow(IDS.errors, 'Payment errors', [
    node('Error Trigger', 'n8n-nodes-base.errorTrigger', {}),
    ours(
      'Payment Dead Letter',
      'paymentDeadLetter',
      { operation: 'add', eventSource: 'execution', replayUrl: '={{ $env.WEBHOOK_URL }}webhook/e2e-orders' },
      { paymentWebhooksN8nApi: { id: N8N_API_CREDENTIAL.id, name: N8N_API_CREDENTIAL.name } },
    ),
  ], { 'Error Trigger': link(['Payment Dead Letter']) }),
];

/**
 * An owner account and a public-API key, made through n8n's REST API once it runs (neither
 * exists before), and the key put into the credential the error workflow uses.
 */
async function connectN8nApiCredential(n8n: N8nInstance): Promise<void> {
  const rest = async (method: string, path: string, body: unknown, cookie?: string) => {
    const response = await fetch(`${n8n.baseUrl}/rest${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} /rest${path}: HTTP ${response.status} ${await response.text()}`);
    return { json: (await response.json()) as { data: Record<string, unknown> }, cookies: response.headers.getSetCookie() };
  };
  const owner = { email: 'owner@example.com', firstName: 'Test', lastName: 'Owner', password: `Pw-${randomUUID()}` };
  const { cookies } = await rest('POST', '/owner/setup', owner);
  const cookie = cookies.map((entry) => entry.split(';')[0]).join('; ');
  const key = await rest('POST', '/api-keys', { label: 'dead letters', expiresAt: null, scopes: ['execution:read'] }, cookie);
  await rest(
    'PATCH',
    `/credentials/${N8N_API_CREDENTIAL.id}`,
    { name: N8N_API_CREDENTIAL.name, type: N8N_API_CREDENTIAL.type, data: { baseUrl: `${n8n.baseUrl}/api/v1`, apiKey: key.json.data.rawApiKey } },
    cookie,
  );
}

async function post(n8n: N8nInstance, path: string, body: unknown): Promise<void> {
  const response = await fetch(n8n.webhookUrl(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${await response.text()}`);
}

describe.each(matrixVersions())('Payment Risk and Payment Dead Letter in n8n %s', (version) => {
  let n8n: N8nInstance;
  const keyPrefix = `e2e:risk-dl:${randomUUID()}:`;
  beforeAll(async () => {
    const redis = new URL(process.env.REDIS_URL!);
    n8n = await startN8n({
      version,
      tarball: packNodePackage(),
      credentials: [
        {
          id: REDIS_CREDENTIAL.paymentWebhooksRedisApi.id,
          name: REDIS_CREDENTIAL.paymentWebhooksRedisApi.name,
          type: 'paymentWebhooksRedisApi',
          data: { host: redis.hostname, port: Number(redis.port), password: '', database: 0, tls: false, keyPrefix },
        },
        { ...N8N_API_CREDENTIAL, data: { baseUrl: 'http://127.0.0.1/api/v1', apiKey: 'set once n8n runs' } },
      ],
      workflows,
      webhookPaths: ['e2e-orders', 'e2e-dead-letter', 'e2e-replay', 'e2e-risk', 'e2e-fulfil'],
    });
    await connectN8nApiCredential(n8n);
  });
  afterAll(() => n8n?.stop());

  const finished = async (id: string, count: number) => {
    // In start order: the log's ORDER BY sorts the ids as text ("10" before "9").
    const rows = (await n8n.executions.waitForFinished(id, count)).sort((a, b) => Number(a.id) - Number(b.id));
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
    // Which output each execution's item left by, with its assessment (shown in full if a check fails).
    const routed = rows.map((row) => {
      const outputs = n8n.executions.outputOf(row.id, 'Payment Risk');
      const output = outputs.findIndex((items) => items.length > 0);
      return { output, risk: outputs[output][0]._risk as { lane: string; reasons: string[] } };
    });
    expect(routed[0]).toMatchObject({ output: 0, risk: { lane: 'priority' } });
    expect(routed.at(-1)).toMatchObject({ output: 3, risk: { lane: 'block' } });
    expect(routed.at(-1)!.risk.reasons).toContain('Different cards used by this IP address in 10 min: 8 (limit 4)');
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

  it('adds a failed execution straight from the Error Trigger, then replays it', async () => {
    const event = paymentEvent({ amount: { minor: 8_900, currency: 'EUR' }, reference: 'order_e2e_7' });
    await post(n8n, 'e2e-fulfil', event);
    const [failed] = await n8n.executions.waitForFinished(IDS.fulfil, 1); // its only execution
    expect(failed.status).toBe('error');

    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const store = new RedisDeadLetterStore({ client: redis, keyPrefix: `${keyPrefix}dead-letters:` });
      const deadline = Date.now() + 60_000;
      let records = await store.list({ status: 'open' });
      while (records.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        records = await store.list({ status: 'open' });
      }
      if (records.length === 0) {
        const runs = n8n.executions.list(IDS.errors).map((row) => ({ ...row, error: n8n.executions.data(row.id).resultData.error }));
        throw new Error(`no dead letter from the error workflow; its executions: ${JSON.stringify(runs)}`);
      }
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        idempotencyKey: event.idempotencyKey,
        event,
        origin: { workflowId: IDS.fulfil, workflowName: 'Fulfil order', node: 'Create shipment', executionId: failed.id, replayUrl: n8n.webhookUrl('e2e-orders') },
        error: { message: 'The service refused the connection - perhaps it is offline', code: 'ECONNREFUSED' },
      });

      const ordersBefore = n8n.executions.list(IDS.orders).length;
      await post(n8n, 'e2e-replay', {});
      const replays = await finished(IDS.replay, 2);
      expect(n8n.executions.outputOf(replays[1].id, 'Replay')[0][0]).toMatchObject({ matched: 1, replayed: 1 });
      const orders = await finished(IDS.orders, ordersBefore + 1);
      const [fresh] = n8n.executions.outputOf(orders.at(-1)!.id, 'Claim');
      expect(fresh[0].body).toEqual(event);
      expect((await store.get(records[0].id))!.status).toBe('replayed');
    } finally {
      await redis.quit();
    }
  });
});
