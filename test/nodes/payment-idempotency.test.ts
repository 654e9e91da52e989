import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CredentialTestContext } from 'n8n-core';
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { PaymentIdempotency } from '../../nodes/PaymentIdempotency/PaymentIdempotency.node';
import { redisCredential } from './support/redis-credential';
import { runWorkflow } from './support/workflow-run';

const node = new PaymentIdempotency();
const keyPrefix = `test:node-idempotency:${randomUUID()}:`;

function eventItem(key: string, extra: IDataObject = {}): INodeExecutionData {
  return { json: { id: key.split(':')[1], provider: 'stripe', kind: 'payment.succeeded', idempotencyKey: key, ...extra } };
}

/** One run of a workflow with the node; Key and Claim Token keep their default expressions. */
async function run(operation: string, items: INodeExecutionData[], parameters: INodeParameters = {}, continueOnFail = false) {
  return await runWorkflow({
    node,
    items,
    parameters: { operation, ...parameters },
    credentials: { paymentWebhooksRedisApi: redisCredential(keyPrefix) },
    continueOnFail,
  });
}

const newKey = () => `stripe:evt_${randomUUID()}`;

async function claimNew(key: string, parameters: INodeParameters = {}) {
  const [fresh] = await run('claim', [eventItem(key)], parameters);
  expect(fresh).toHaveLength(1);
  return fresh[0];
}

describe('Payment Idempotency node against a real Redis', () => {
  it('describes its defaults as the expressions the templates rely on', () => {
    const byName = Object.fromEntries(node.description.properties.map((property) => [property.name, property.default]));
    expect(byName.key).toBe('={{ $json.idempotencyKey }}');
    expect(byName.token).toBe('={{ $json._idempotency?.token }}');
    expect(byName.leaseSeconds).toBe(300);
    expect(byName.retentionDays).toBe(30);
  });

  it('sends exactly one of 200 concurrent Claims of one key to "New" and the rest to "In Progress"', async () => {
    const key = newKey();
    const runs = await Promise.all(Array.from({ length: 200 }, () => run('claim', [eventItem(key)])));
    const [fresh, duplicates, inProgress] = [0, 1, 2].map((output) => runs.flatMap((outputs) => outputs[output]));
    expect(fresh).toHaveLength(1);
    expect(duplicates).toHaveLength(0);
    expect(inProgress).toHaveLength(199);
    expect(fresh[0].json).toMatchObject({
      idempotencyKey: key,
      kind: 'payment.succeeded',
      _idempotency: { key, status: 'new', token: expect.any(String), leaseExpiresAt: expect.any(String) },
    });
    expect(inProgress[0].json._idempotency).toMatchObject({ key, status: 'in_progress' });
    // 200 workflow executions in n8n's engine, each with its own Redis connection, on a shared 2-core machine.
  }, 30_000);

  it('sorts a second item with the same key in one run to "In Progress", keeping item pairing', async () => {
    const key = newKey();
    const [fresh, , inProgress] = await run('claim', [eventItem(key), eventItem(key, { note: 'redelivery' })]);
    expect(fresh).toEqual([expect.objectContaining({ pairedItem: { item: 0 } })]);
    expect(inProgress).toEqual([expect.objectContaining({ pairedItem: { item: 1 } })]);
  });

  it('completes with the claim token carried on the item; a later delivery goes to "Duplicate" with the stored result', async () => {
    const key = newKey();
    const claimed = await claimNew(key);
    const stored = { orderId: 'ord_1042', invoice: 'INV-7' };
    const [completed] = await run('complete', [claimed], { result: stored });
    expect(completed[0].json._idempotency).toEqual({ key, status: 'completed' });

    const [fresh, duplicates] = await run('claim', [eventItem(key)]);
    expect(fresh).toHaveLength(0);
    expect(duplicates[0].json._idempotency).toEqual({ key, status: 'duplicate', result: stored, completedAt: expect.any(String) });
  });

  it('parses a result typed in as JSON text', async () => {
    const key = newKey();
    await run('complete', [await claimNew(key)], { result: '{"orderId":"ord_9"}' });
    const [, duplicates] = await run('claim', [eventItem(key)]);
    expect((duplicates[0].json._idempotency as IDataObject).result).toEqual({ orderId: 'ord_9' });
  });

  it('refuses Complete and Release by a run that does not hold the claim, with a clear error', async () => {
    const key = newKey();
    await claimNew(key);
    const impostor = eventItem(key, { _idempotency: { key, status: 'new', token: randomUUID() } });
    await expect(run('complete', [impostor])).rejects.toThrow(`Could not complete "${key}": this run no longer holds its claim`);
    await expect(run('release', [impostor])).rejects.toThrow(`Could not release "${key}": this run no longer holds its claim`);
    await expect(run('complete', [eventItem(key)])).rejects.toThrow(`This item carries no claim token for "${key}"`);

    const [errors] = await run('complete', [impostor], {}, true);
    expect(errors[0].json.error).toContain('no longer holds its claim');
    expect((await run('get', [eventItem(key)]))[0][0].json.idempotencyRecord).toMatchObject({ state: 'claimed' });
  });

  it('lets another run claim the event once the lease has run out, and refuses the late holder', async () => {
    const key = newKey();
    // A lease long enough for the next workflow run to start inside it; then wait until it has run out.
    const first = await claimNew(key, { leaseSeconds: 1 });
    expect((await run('claim', [eventItem(key)]))[2]).toHaveLength(1);
    await sleep(Date.parse(String((first.json._idempotency as IDataObject).leaseExpiresAt)) - Date.now() + 50);
    const second = await claimNew(key);
    expect((second.json._idempotency as IDataObject).token).not.toBe((first.json._idempotency as IDataObject).token);
    await expect(run('complete', [first])).rejects.toThrow('no longer holds its claim');
    await run('complete', [second]);
  });

  it('forgets a completed event after the retention period', async () => {
    const key = newKey();
    // A retention of one second: long enough for the next workflow run to find the record.
    await run('complete', [await claimNew(key)], { retentionDays: 1_000 / 86_400_000, result: { ok: true } });
    expect((await run('claim', [eventItem(key)]))[1]).toHaveLength(1);
    await sleep(1_100);
    expect((await run('claim', [eventItem(key)]))[0]).toHaveLength(1);
  });

  it('makes a released event claimable again at once', async () => {
    const key = newKey();
    const [released] = await run('release', [await claimNew(key)]);
    expect(released[0].json._idempotency).toEqual({ key, status: 'released' });
    expect((await run('get', [eventItem(key)]))[0][0].json.idempotencyRecord).toBeNull();
    await claimNew(key);
  });

  it('fails clearly when an item has no key', async () => {
    await expect(run('claim', [{ json: { note: 'not an event' } }])).rejects.toThrow('This item has no idempotency key');
  });

  it('passes its credential test against a reachable Redis and fails it against a closed port', async () => {
    const test = node.methods.credentialTest.paymentWebhooksRedisTest;
    // n8n runs a credential test in n8n-core's CredentialTestContext.
    const context = new CredentialTestContext();
    const ok = await test.call(context, { id: '1', name: 'redis', type: 'paymentWebhooksRedisApi', data: redisCredential(keyPrefix) });
    expect(ok.status).toBe('OK');
    const closed = { ...redisCredential(keyPrefix), port: 1 };
    const failed = await test.call(context, { id: '1', name: 'redis', type: 'paymentWebhooksRedisApi', data: closed });
    expect(failed).toMatchObject({ status: 'Error', message: expect.stringContaining('Could not connect to Redis at 127.0.0.1:1') });
  });
});
