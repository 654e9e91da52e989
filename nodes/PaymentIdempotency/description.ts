import type { INodeProperties } from 'n8n-workflow';

export type Operation = 'claim' | 'complete' | 'release' | 'get';

/** The outputs per operation: Claim sorts items three ways, the others pass them on. */
export const OUTPUTS_EXPRESSION = ('={{ $parameter.operation === "claim" ? ' +
  '[{ "type": "main", "displayName": "New" }, { "type": "main", "displayName": "Duplicate" }, { "type": "main", "displayName": "In Progress" }]' +
  ' : ["main"] }}') as `={{${string}}}`;

export const idempotencyProperties: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    options: [
      {
        name: 'Claim',
        value: 'claim',
        action: 'Claim an event before handling it',
        description:
          'Mark the event as being handled. First time: "New" output. Already handled: "Duplicate" output, with what was stored. Being handled right now by another run: "In Progress" output.',
      },
      {
        name: 'Complete',
        value: 'complete',
        action: 'Mark a claimed event as done',
        description: 'Mark the event as done, so later deliveries of it go to "Duplicate". Put this at the end of the workflow.',
      },
      {
        name: 'Release',
        value: 'release',
        action: 'Release a claim so the event can be retried',
        description: 'Give the claim back after a failure, so the gateway’s next retry is handled again',
      },
      {
        name: 'Get',
        value: 'get',
        action: 'Look up the state of an event',
        description: 'Look up whether an event is unknown, being handled or done',
      },
    ],
    default: 'claim',
  },
  {
    displayName: 'Key',
    name: 'key',
    type: 'string',
    default: '={{ $json.idempotencyKey }}',
    required: true,
    description:
      'What identifies the event. The Payment Webhook Trigger puts it in idempotencyKey (for example stripe:evt_123); any text that is the same for every delivery of one event works.',
  },
  {
    displayName: 'Lease (Seconds)',
    name: 'leaseSeconds',
    type: 'number',
    typeOptions: { minValue: 1 },
    default: 300,
    displayOptions: { show: { operation: ['claim'] } },
    description:
      'How long this run may take before another run is allowed to take the event over. Set it longer than the workflow normally takes: if n8n crashes mid-run, the event becomes claimable again after this time.',
  },
  {
    displayName: 'Claim Token',
    name: 'token',
    type: 'string',
    // Masked: whoever reads the token can complete or release the claim.
    typeOptions: { password: true },
    default: '={{ $json._idempotency?.token }}',
    required: true,
    displayOptions: { show: { operation: ['complete', 'release'] } },
    description: 'Proves that this run holds the claim. Claim puts it on the item as _idempotency.token.',
    hint: 'If a node between Claim and here replaced the item, use {{ $(\'Payment Idempotency\').item.json._idempotency.token }} (with your Claim node’s name)',
  },
  {
    displayName: 'Result to Store',
    name: 'result',
    type: 'json',
    default: '={{ { "executionId": $execution.id, "workflowId": $workflow.id } }}',
    displayOptions: { show: { operation: ['complete'] } },
    description:
      'A small summary kept with the completed event; later duplicates receive it in _idempotency.result. Keep it small (an order number, an invoice ID).',
  },
  {
    displayName: 'Keep for (Days)',
    name: 'retentionDays',
    type: 'number',
    typeOptions: { minValue: 0 },
    default: 30,
    displayOptions: { show: { operation: ['complete'] } },
    description:
      'How long to remember that the event was handled. Gateways retry for up to a few days, so keep it longer than that.',
  },
];
