import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { PaymentDeadLetter } from '../../nodes/PaymentDeadLetter/PaymentDeadLetter.node';
import { PaymentIdempotency } from '../../nodes/PaymentIdempotency/PaymentIdempotency.node';
import type { DeadLetterRecord } from '../../core/deadletter';
import type { PaymentEvent } from '../../core/event';
import errorTriggerItem from '../fixtures/n8n/error-trigger-execution.1.123.81.json';
import publicApiExecution from '../fixtures/n8n/public-api-execution.1.123.81.json';
import { paymentEvent } from '../unit/risk/events';
import { startReceiver } from '../unit/deadletter/receiver';
import { startRedirectServer } from '../support/redirect-server';
import { redisCredential } from './support/redis-credential';
import { runWorkflow } from './support/workflow-run';
import type { Runtime } from '../../runtime/src/runtime';
import {
  ADMIN_TOKEN,
  postWebhook,
  startDestination,
  startRuntime,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from '../runtime/support/harness';

const deadLetter = new PaymentDeadLetter();
const idempotency = new PaymentIdempotency();

/** One run of a workflow with the node, on the form's defaults unless `parameters` says otherwise. */
function runNode(
  keyPrefix: string,
  operation: string,
  items: INodeExecutionData[],
  parameters: INodeParameters = {},
  credentials: Record<string, ICredentialDataDecryptedObject> = {},
) {
  return runWorkflow({
    node: deadLetter,
    items,
    parameters: { operation, ...parameters },
    credentials: { paymentWebhooksRedisApi: redisCredential(keyPrefix), ...credentials },
  }).then(([output]) => output);
}

/** An Error Trigger item after n8n's "Get Execution" (with details) merged the failed run in. */
function errorTriggerWithExecution(event: PaymentEvent): INodeExecutionData {
  const runData = { 'Payment received': [{ data: { main: [[{ json: event }]] } }] };
  return { json: { ...errorTriggerItem, data: { resultData: { runData } } } as unknown as IDataObject };
}

const record = (item: INodeExecutionData) => item.json as unknown as DeadLetterRecord;

describe('Payment Dead Letter node against a real Redis', () => {
  let keyPrefix: string;
  beforeEach(() => {
    keyPrefix = `test:node-dl:${randomUUID()}:`;
  });

  it('adds a dead letter straight from a real Error Trigger item', async () => {
    const event = paymentEvent();
    const [added] = await runNode(keyPrefix, 'add', [errorTriggerWithExecution(event)], { replayUrl: 'http://127.0.0.1:5678/webhook/payments' });
    expect(record(added)).toMatchObject({
      idempotencyKey: event.idempotencyKey,
      event,
      status: 'open',
      attempts: 1,
      origin: { workflowId: 'PayFulfil0000001', workflowName: 'Payments: fulfil order', node: 'Create shipment', executionId: '2', replayUrl: 'http://127.0.0.1:5678/webhook/payments' },
      error: { message: 'The service refused the connection - perhaps it is offline', code: 'ECONNREFUSED' },
    });
    // The same item mapped explicitly, as a workflow without Get Execution would do it.
    const [again] = await runNode(keyPrefix, 'add', [{ json: errorTriggerItem as unknown as IDataObject }], { event: JSON.stringify(event) });
    expect(record(again)).toMatchObject({ id: record(added).id, attempts: 2 });
    await expect(runNode(keyPrefix, 'add', [{ json: errorTriggerItem as unknown as IDataObject }])).rejects.toThrow('The Error Trigger item holds no payment event');
  });

  it('adds straight after an Error Trigger by fetching the failed execution from the n8n API', async () => {
    const apiKey = 'n8n-api-key-for-tests';
    // Answers like n8n's public API, with an execution recorded from a real n8n.
    const n8nApi = await startReceiver((request) => {
      if (request.headers['x-n8n-api-key'] !== apiKey) return 401;
      return request.path === '/api/v1/executions/2?includeData=true' ? 200 : 404;
    }, JSON.stringify(publicApiExecution));
    try {
      const credentials = { paymentWebhooksN8nApi: { baseUrl: n8nApi.url('/api/v1/'), apiKey } };
      const fromErrorTrigger = (key = credentials) =>
        runNode(keyPrefix, 'add', [{ json: errorTriggerItem as unknown as IDataObject }], { eventSource: 'execution' }, key);
      const [added] = await fromErrorTrigger();
      const recorded = publicApiExecution.data.resultData.runData['Payment received'][0].data.main[0][0].json.body;
      expect(record(added)).toMatchObject({
        idempotencyKey: recorded.idempotencyKey,
        event: recorded,
        origin: { workflowId: 'PayFulfil0000001', node: 'Create shipment', executionId: '2' },
        error: { message: 'The service refused the connection - perhaps it is offline' },
      });
      await expect(fromErrorTrigger({ paymentWebhooksN8nApi: { ...credentials.paymentWebhooksN8nApi, apiKey: 'wrong' } })).rejects.toThrow(
        'The n8n API refused the API key (HTTP 401)',
      );
      const otherExecution = { ...errorTriggerItem, execution: { ...errorTriggerItem.execution, id: '99' } };
      await expect(runNode(keyPrefix, 'add', [{ json: otherExecution as unknown as IDataObject }], { eventSource: 'execution' }, credentials)).rejects.toThrow(
        'n8n has no execution 99',
      );
    } finally {
      await n8nApi.close();
    }
  });

  it('refuses a redirect from the n8n API instead of sending the API key to another origin', async () => {
    const apiKey = 'n8n-api-key-for-tests';
    const elsewhere = await startReceiver(() => 200, JSON.stringify(publicApiExecution));
    const redirecting = await startRedirectServer(elsewhere.url('/api/v1/executions/2?includeData=true'));
    try {
      const credentials = { paymentWebhooksN8nApi: { baseUrl: `${redirecting.origin}/api/v1`, apiKey } };
      await expect(runNode(keyPrefix, 'add', [{ json: errorTriggerItem as unknown as IDataObject }], { eventSource: 'execution' }, credentials)).rejects.toThrow(
        `a redirect to ${new URL(elsewhere.url()).origin}; refused`,
      );
      expect(redirecting.received.map((headers) => headers['x-n8n-api-key'])).toEqual([apiKey]);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
  });

  it('lists with each filter, gets, resolves, discards and purges', async () => {
    const stripe = record((await runNode(keyPrefix, 'add', [{ json: { ...paymentEvent(), error: 'CRM timeout' } as unknown as IDataObject }]))[0]);
    await sleep(5); // two distinct failure times, so the time filters have something to tell apart
    const adyenEvent = paymentEvent({ provider: 'adyen', id: 'psp_node', idempotencyKey: 'adyen:psp_node', kind: 'payment.failed', type: 'AUTHORISATION' });
    const adyen = record((await runNode(keyPrefix, 'add', [{ json: {} }], { event: JSON.stringify(adyenEvent), errorMessage: 'Shipment API 503' }))[0]);
    const ids = (items: INodeExecutionData[]) => items.map((item) => item.json.id);
    const list = (filters: INodeParameters, limit = 50) => runNode(keyPrefix, 'list', [{ json: {} }], { filters, limit });

    expect(ids(await list({}))).toEqual([adyen.id, stripe.id]);
    expect(ids(await list({}, 1))).toEqual([adyen.id]);
    expect(ids(await list({ provider: 'adyen' }))).toEqual([adyen.id]);
    expect(ids(await list({ kind: 'payment.succeeded' }))).toEqual([stripe.id]);
    expect(ids(await list({ errorContains: 'crm' }))).toEqual([stripe.id]);
    expect(ids(await list({ from: adyen.lastFailedAt }))).toEqual([adyen.id]);
    expect(ids(await list({ to: stripe.lastFailedAt }))).toEqual([stripe.id]);

    const [fetched] = await runNode(keyPrefix, 'get', [{ json: { id: stripe.id } }]);
    expect(fetched.json).toEqual(stripe);
    await expect(runNode(keyPrefix, 'get', [{ json: { id: 'nope' } }])).rejects.toThrow('No dead letter with ID "nope"');

    const [resolved] = await runNode(keyPrefix, 'resolve', [{ json: { id: stripe.id } }], { note: 'refunded by hand' });
    expect(record(resolved).history.at(-1)).toMatchObject({ status: 'resolved', note: 'refunded by hand' });
    await runNode(keyPrefix, 'discard', [{ json: { id: adyen.id } }]);
    expect(ids(await list({ status: ['open'] }))).toEqual([]);
    expect(ids(await list({ status: ['discarded'] }))).toEqual([adyen.id]);

    const [purge] = await runNode(keyPrefix, 'purge', [{ json: {} }], { before: new Date(Date.now() + 60_000).toISOString() });
    expect(purge.json.purged).toBe(2);
    expect(await list({})).toEqual([]);
  });

  it('replays one, then a filtered set after a dry-run count, to a loopback webhook', async () => {
    const receiver = await startReceiver();
    try {
      const url = receiver.url('/webhook/payments');
      const add = (event: PaymentEvent) => runNode(keyPrefix, 'add', [{ json: {} }], { event: JSON.stringify(event), replayUrl: url }).then(([item]) => record(item));
      const single = await add(paymentEvent());
      const [outcome] = await runNode(keyPrefix, 'replay', [{ json: { id: single.id } }]);
      expect(outcome.json).toMatchObject({ id: single.id, ok: true, httpStatus: 200, url, record: { status: 'replayed' } });
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([single.idempotencyKey]);

      const failed = (id: string) => paymentEvent({ id, idempotencyKey: `stripe:${id}`, kind: 'payment.failed', type: 'charge.failed' });
      const batch = [await add(failed('evt_f1')), await add(failed('evt_f2'))];
      await add(paymentEvent());
      const matching = { replayWhich: 'matching', filters: { kind: 'payment.failed' } };
      const [count] = await runNode(keyPrefix, 'replay', [{ json: {} }], matching);
      expect(count.json).toEqual({ matched: 2, dryRun: true, replayed: 0, failed: 0, outcomes: [] });
      expect(receiver.received).toHaveLength(1);

      const elsewhere = await startReceiver();
      try {
        const [done] = await runNode(keyPrefix, 'replay', [{ json: {} }], { ...matching, dryRun: false, sendTo: 'url', url: elsewhere.url('/webhook/test') });
        expect(done.json).toMatchObject({ matched: 2, dryRun: false, replayed: 2, failed: 0 });
        expect(elsewhere.received.map((r) => r.headers['webhook-id']).sort()).toEqual(batch.map((r) => r.idempotencyKey).sort());
      } finally {
        await elsewhere.close();
      }
      await expect(runNode(keyPrefix, 'replay', [{ json: { id: 'nope' } }])).rejects.toThrow('The replay did not go through: No dead letter with id nope');
    } finally {
      await receiver.close();
    }
  });

  it('replays an event whose workflow did complete into the Duplicate output of Payment Idempotency', async () => {
    const claim = (event: IDataObject, operation = 'claim') =>
      runWorkflow({
        node: idempotency,
        items: [{ json: event }],
        parameters: { operation, result: { shipped: true } },
        credentials: { paymentWebhooksRedisApi: redisCredential(keyPrefix) },
      });
    // The receiving workflow: Payment Idempotency (Claim) first; New runs the work, then Complete.
    const outputs: string[] = [];
    const receiver = await startReceiver(async (request) => {
      const [fresh, duplicate] = await claim(JSON.parse(request.body));
      if (fresh.length) {
        outputs.push(`${fresh[0].json.idempotencyKey} New`);
        await claim(fresh[0].json, 'complete');
      }
      if (duplicate.length) outputs.push(`${duplicate[0].json.idempotencyKey} Duplicate`);
      return 200;
    });
    try {
      const url = receiver.url('/webhook/payments');
      const completed = paymentEvent();
      // The first delivery ran the workflow to its end, yet the failure was dead-lettered (say a late node failed).
      const [fresh] = await claim(completed as unknown as IDataObject);
      await claim(fresh[0].json, 'complete');
      const neverRan = paymentEvent();
      for (const event of [completed, neverRan]) await runNode(keyPrefix, 'add', [{ json: {} }], { event: JSON.stringify(event), replayUrl: url });

      const [done] = await runNode(keyPrefix, 'replay', [{ json: {} }], { replayWhich: 'matching', dryRun: false });
      expect(done.json).toMatchObject({ matched: 2, replayed: 2 });
      expect(outputs.sort()).toEqual([`${completed.idempotencyKey} Duplicate`, `${neverRan.idempotencyKey} New`].sort());
    } finally {
      await receiver.close();
    }
  });
});

/**
 * The node's Connector Runtime storage against a real runtime (SQLite file, in this process):
 * its destination refuses, so the runtime dead-letters the events itself, and the node lists,
 * shows, replays and adds them through the runtime's own admin API.
 */
describe('Payment Dead Letter node against a running connector runtime', () => {
  const dir = tempDir();
  let destination: Destination;
  let runtime: Runtime;
  let baseUrl: string;
  /** The idempotency keys of the events the runtime dead-lettered. */
  let keys: string[];
  let accepting = false;

  const onRuntime = (operation: string, items: INodeExecutionData[], parameters: INodeParameters = {}, token = ADMIN_TOKEN) =>
    // The Redis credential the helper always passes is not read with the runtime storage.
    runNode('unused:', operation, items, { storage: 'runtime', ...parameters }, { paymentWebhooksRuntimeApi: { baseUrl, token } });
  const withStatus = async (status: string) => (await onRuntime('list', [{ json: {} }], { filters: { status: [status] } })).map(record);
  const keysOf = (records: DeadLetterRecord[]) => records.map((entry) => entry.idempotencyKey).sort();
  /** Replays reach the destination through the runtime's queue: wait until it is empty before counting. */
  const drained = () => waitFor(async () => (await runtime['storage']!.backlog()) === 0, "the runtime's queue to empty");

  beforeAll(async () => {
    destination = await startDestination(() => (accepting ? 200 : 503));
    ({ runtime, url: baseUrl } = await startRuntime({ storage: `sqlite:${join(dir.path, 'runtime.db')}`, destinationUrl: destination.url, retry: { maxAttempts: 2 } }));
    const bodies = [stripeEventBody(), stripeEventBody(), stripeEventBody()];
    for (const body of bodies) expect((await postWebhook(baseUrl, 'stripe', body, stripeSigned(body))).status).toBe(200);
    keys = bodies.map((body) => `stripe:${JSON.parse(body).id}`).sort();
    await waitFor(async () => (await withStatus('open')).length === keys.length, 'the runtime to dead-letter every event');
  }, 30_000);
  afterAll(async () => {
    await runtime.close();
    await destination.close();
    dir.remove();
  });

  it('lists and shows the dead letters the runtime wrote, and is refused with a wrong token', async () => {
    const open = await withStatus('open');
    expect(keysOf(open)).toEqual(keys);
    for (const entry of open) {
      expect(entry).toMatchObject({ provider: 'stripe', kind: 'payment.succeeded', attempts: 2, origin: { destination: 'n8n' }, error: { httpStatus: 503 } });
      const [shown] = await onRuntime('get', [{ json: { id: entry.id } }]);
      expect(shown.json).toEqual(entry);
    }
    await expect(onRuntime('get', [{ json: { id: 'nope' } }])).rejects.toThrow('No dead letter with ID "nope"');
    await expect(onRuntime('list', [{ json: {} }], {}, 'not-the-admin-token')).rejects.toThrow('HTTP 401');
  });

  it('replays one to the destination that refused it, delivered once it accepts', async () => {
    accepting = true;
    const [first] = await withStatus('open');
    const [outcome] = await onRuntime('replay', [{ json: { id: first.id } }]);
    expect(outcome.json).toMatchObject({ id: first.id, ok: true, url: 'runtime destination n8n', record: { status: 'replayed' } });
    await drained();
    expect([...destination.accepted()]).toEqual([[first.idempotencyKey, 1]]);
    await expect(onRuntime('replay', [{ json: { id: first.id } }])).rejects.toThrow(`The replay did not go through: dead letter ${first.id} is replayed, not open`);
  });

  it('counts the rest with a dry run that replays nothing, then replays them, each delivered once', async () => {
    const rest = keysOf(await withStatus('open'));
    expect(rest).toHaveLength(keys.length - 1);
    const matching = { replayWhich: 'matching', filters: { provider: 'stripe' } };

    const [count] = await onRuntime('replay', [{ json: {} }], { ...matching, dryRun: true });
    expect(count.json).toEqual({ matched: rest.length, dryRun: true, replayed: 0, failed: 0, outcomes: [] });
    await drained();
    expect(keysOf(await withStatus('open'))).toEqual(rest);
    expect(destination.accepted().size).toBe(1);

    const [done] = await onRuntime('replay', [{ json: {} }], { ...matching, dryRun: false });
    expect(done.json).toMatchObject({ matched: rest.length, dryRun: false, replayed: rest.length, failed: 0 });
    await drained();
    expect(Object.fromEntries(destination.accepted())).toEqual(Object.fromEntries(keys.map((key) => [key, 1])));
    expect(keysOf(await withStatus('replayed'))).toEqual(keys);
    expect(await withStatus('open')).toEqual([]);
  });

  it("adds a failed n8n execution to the runtime's store, which cannot replay it to a destination of its own", async () => {
    const event = paymentEvent();
    const [added] = await onRuntime('add', [errorTriggerWithExecution(event)]);
    expect(record(added)).toMatchObject({ idempotencyKey: event.idempotencyKey, status: 'open', origin: { workflowId: 'PayFulfil0000001', node: 'Create shipment' } });
    expect((await withStatus('open')).map((entry) => entry.id)).toEqual([added.json.id]);
    await expect(onRuntime('replay', [{ json: { id: added.json.id } }])).rejects.toThrow(
      `The replay did not go through: dead letter ${added.json.id} came from destination "(none)", which is not configured`,
    );
  });
});
