import {
  NodeConnectionTypes,
  NodeOperationError,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
} from 'n8n-workflow';

import { REDIS_CREDENTIAL, testRedisCredential } from '../shared/redis';
import { RUNTIME_CREDENTIAL, openBackend } from './backend';
import { deadLetterProperties, type Operation, type Storage } from './description';
import { operations } from './operations';

export class PaymentDeadLetter implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Payment Dead Letter',
    name: 'paymentDeadLetter',
    icon: 'file:paymentDeadLetter.svg',
    group: ['transform'],
    version: 1,
    subtitle: '={{ $parameter.operation }}',
    description: 'Keeps payment events whose workflow failed, so they can be looked at and replayed',
    defaults: { name: 'Payment Dead Letter' },
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    usableAsTool: true,
    credentials: [
      { name: REDIS_CREDENTIAL, required: true, testedBy: 'paymentWebhooksRedisTest', displayOptions: { show: { storage: ['redis'] } } },
      { name: RUNTIME_CREDENTIAL, required: true, displayOptions: { show: { storage: ['runtime'] } } },
    ],
    properties: deadLetterProperties,
  };

  methods = { credentialTest: { paymentWebhooksRedisTest: testRedisCredential } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const operation = this.getNodeParameter('operation', 0) as Operation;
    const backend = await openBackend(this, this.getNodeParameter('storage', 0) as Storage);
    const output: INodeExecutionData[] = [];
    try {
      const items = this.getInputData();
      for (let index = 0; index < items.length; index++) {
        try {
          const results = await operations[operation](this, backend, items[index], index);
          output.push(...results.map((json) => ({ json, pairedItem: { item: index } })));
        } catch (error) {
          if (this.continueOnFail()) {
            output.push({ json: { ...items[index].json, error: (error as Error).message }, pairedItem: { item: index } });
            continue;
          }
          throw error instanceof NodeOperationError ? error : new NodeOperationError(this.getNode(), error as Error, { itemIndex: index });
        }
      }
    } finally {
      await backend.close();
    }
    return [output];
  }
}
