import {
  NodeConnectionTypes,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
} from 'n8n-workflow';

import { routeItems } from '../shared/items';
import { testRedisCredential } from '../shared/redis';
import { openBackend } from './backend';
import { deadLetterProperties, type Operation, type Storage } from './description';
import { operations } from './operations';

export class PaymentDeadLetter implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Payment Dead Letter',
    name: 'paymentDeadLetter',
    icon: { light: 'file:paymentDeadLetter.svg', dark: 'file:paymentDeadLetter.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: '={{ $parameter.operation }}',
    description: 'Keeps payment events whose workflow failed, so they can be looked at and replayed',
    defaults: { name: 'Payment Dead Letter' },
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    usableAsTool: true,
    credentials: [
      // The Redis connection, shared with the Idempotency and Risk nodes.
      { name: 'paymentWebhooksRedisApi', required: true, testedBy: 'paymentWebhooksRedisTest', displayOptions: { show: { storage: ['redis'] } } },
      { name: 'paymentWebhooksRuntimeApi', required: true, displayOptions: { show: { storage: ['runtime'] } } },
      // This n8n's public API: Add fetches the failed execution with it.
      { name: 'paymentWebhooksN8nApi', required: true, displayOptions: { show: { operation: ['add'], eventSource: ['execution'] } } },
    ],
    properties: deadLetterProperties,
  };

  methods = { credentialTest: { paymentWebhooksRedisTest: testRedisCredential } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const operation = this.getNodeParameter('operation', 0) as Operation;
    const backend = await openBackend(this, this.getNodeParameter('storage', 0) as Storage);
    try {
      return await routeItems(this, {
        outputCount: 1,
        failedOutput: 0,
        route: async (item, index) => (await operations[operation](this, { backend, item, index })).map((json) => ({ output: 0, json })),
      });
    } finally {
      await backend.close();
    }
  }
}
