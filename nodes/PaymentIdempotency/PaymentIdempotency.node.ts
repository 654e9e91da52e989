import {
  NodeConnectionTypes,
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
} from 'n8n-workflow';

import { RedisIdempotencyStore, type IdempotencyStore } from '../../core/idempotency';
import { routeItems, type RoutedItem } from '../shared/items';
import { REDIS_CREDENTIAL, closeRedis, openRedis, testRedisCredential } from '../shared/redis';
import { OUTPUTS_EXPRESSION, idempotencyProperties, type Operation } from './description';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What travels with the item as `$json._idempotency`. */
type ClaimMark =
  | { key: string; status: 'new'; token: string; leaseExpiresAt: string }
  | { key: string; status: 'duplicate'; result: unknown; completedAt: string }
  | { key: string; status: 'in_progress'; leaseExpiresAt: string }
  | { key: string; status: 'completed' | 'released' };

type Step = (store: IdempotencyStore, item: INodeExecutionData, index: number) => Promise<RoutedItem>;

/** One item an operation works on, with the store it works against. */
interface StepInput {
  store: IdempotencyStore;
  item: INodeExecutionData;
  index: number;
}

export class PaymentIdempotency implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Payment Idempotency',
    name: 'paymentIdempotency',
    icon: { light: 'file:paymentIdempotency.svg', dark: 'file:paymentIdempotency.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: '={{ $parameter.operation }}',
    description: 'Makes each payment event run once, even when the gateway delivers it several times',
    defaults: { name: 'Payment Idempotency' },
    inputs: [NodeConnectionTypes.Main],
    outputs: OUTPUTS_EXPRESSION,
    usableAsTool: true,
    credentials: [
      // The Redis connection, shared with the Dead Letter and Risk nodes.
      { name: 'paymentWebhooksRedisApi', required: true, testedBy: 'paymentWebhooksRedisTest' },
    ],
    properties: idempotencyProperties,
  };

  methods = { credentialTest: { paymentWebhooksRedisTest: testRedisCredential } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const operation = this.getNodeParameter('operation', 0) as Operation;
    const steps: Record<Operation, Step> = {
      claim: (store, item, index) => claimStep(this, { store, item, index }),
      complete: (store, item, index) => completeStep(this, { store, item, index }),
      release: (store, item, index) => releaseStep(this, { store, item, index }),
      get: async (store, item, index) => {
        const key = readKey(this, index);
        return { output: 0, json: { ...item.json, idempotencyRecord: (await store.get(key)) as IDataObject | null } };
      },
    };
    const connection = await openRedis(await this.getCredentials(REDIS_CREDENTIAL));
    const store = new RedisIdempotencyStore({ client: connection.client, keyPrefix: `${connection.keyPrefix}idempotency:` });
    try {
      // The router runs one item after the other, so two items with the same key in one run see each other.
      return await routeItems(this, {
        outputCount: operation === 'claim' ? 3 : 1,
        failedOutput: 0,
        route: (item, index) => steps[operation](store, item, index),
      });
    } finally {
      await closeRedis(connection);
    }
  }
}

function readKey(context: IExecuteFunctions, index: number): string {
  const key = context.getNodeParameter('key', index, '') as unknown;
  if (typeof key !== 'string' || key.trim() === '') {
    throw new NodeOperationError(context.getNode(), 'This item has no idempotency key', {
      itemIndex: index,
      description: 'Set "Key" to something that identifies the event, e.g. {{ $json.idempotencyKey }} after the Payment Webhook Trigger.',
    });
  }
  return key;
}

function readToken(context: IExecuteFunctions, index: number, key: string): string {
  const token = context.getNodeParameter('token', index, '') as unknown;
  if (typeof token !== 'string' || token === '') {
    throw new NodeOperationError(context.getNode(), `This item carries no claim token for "${key}"`, {
      itemIndex: index,
      description:
        'Complete and Release need the claim made by a Payment Idempotency "Claim" earlier in this workflow. Point "Claim Token" at it, e.g. {{ $(\'Payment Idempotency\').item.json._idempotency.token }}.',
    });
  }
  return token;
}

function withMark(item: INodeExecutionData, mark: ClaimMark): IDataObject {
  return { ...item.json, _idempotency: mark as IDataObject };
}

const iso = (ms: number) => new Date(ms).toISOString();

async function claimStep(context: IExecuteFunctions, { store, item, index }: StepInput) {
  const key = readKey(context, index);
  const leaseSeconds = context.getNodeParameter('leaseSeconds', index, 300) as number;
  const claim = await store.claim(key, { leaseMs: leaseSeconds * 1000 });
  switch (claim.status) {
    case 'new':
      return { output: 0, json: withMark(item, { key, status: 'new', token: claim.token, leaseExpiresAt: iso(claim.leaseExpiresAt) }) };
    case 'duplicate':
      return { output: 1, json: withMark(item, { key, status: 'duplicate', result: claim.result, completedAt: iso(claim.completedAt) }) };
    case 'in_progress':
      return { output: 2, json: withMark(item, { key, status: 'in_progress', leaseExpiresAt: iso(claim.leaseExpiresAt) }) };
  }
}

/** The result parameter as a value: an expression gives an object, typed-in JSON a string. */
function readResult(context: IExecuteFunctions, index: number): unknown {
  const result = context.getNodeParameter('result', index, null) as unknown;
  if (typeof result !== 'string') return result;
  try {
    return JSON.parse(result);
  } catch {
    return result;
  }
}

async function completeStep(context: IExecuteFunctions, { store, item, index }: StepInput) {
  const key = readKey(context, index);
  const token = readToken(context, index, key);
  const retentionDays = context.getNodeParameter('retentionDays', index, 30) as number;
  const done = await store.complete(key, token, readResult(context, index), { retentionMs: retentionDays * DAY_MS });
  if (!done) throw notHolder(context, { index, key, action: 'complete' });
  return { output: 0, json: withMark(item, { key, status: 'completed' }) };
}

async function releaseStep(context: IExecuteFunctions, { store, item, index }: StepInput) {
  const key = readKey(context, index);
  if (!(await store.release(key, readToken(context, index, key)))) throw notHolder(context, { index, key, action: 'release' });
  return { output: 0, json: withMark(item, { key, status: 'released' }) };
}

/** The item, the key and the action a run tried without holding the key's claim. */
interface LostClaim {
  index: number;
  key: string;
  action: 'complete' | 'release';
}

function notHolder(context: IExecuteFunctions, { index, key, action }: LostClaim) {
  return new NodeOperationError(context.getNode(), `Could not ${action} "${key}": this run no longer holds its claim`, {
    itemIndex: index,
    description:
      'The claim’s lease may have run out and another run taken the event over, or the event was already completed or released. If the workflow takes longer than the Lease, raise the Lease on the Claim.',
  });
}
