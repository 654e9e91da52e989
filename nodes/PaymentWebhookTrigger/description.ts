import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { EVENT_KINDS, type EventKind } from '../../core/event';
import { allProviders } from '../../core/providers';

/** `invoice.payment_failed` -> `Invoice Payment Failed`. */
function kindLabel(kind: EventKind): string {
  if (kind === 'other') return 'Other (Events Without a Common Meaning)';
  return kind
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

const byName = (a: INodePropertyOptions, b: INodePropertyOptions) => a.name.localeCompare(b.name);

export const triggerProperties: INodeProperties[] = [
  {
    displayName: 'Payment Gateway',
    name: 'provider',
    type: 'options',
    noDataExpression: true,
    options: allProviders()
      .map((provider) => ({ name: provider.displayName, value: provider.id }))
      .sort(byName),
    default: 'stripe',
    description: 'Who sends the webhooks. The credential below must be for the same gateway.',
  },
  {
    displayName: 'Path',
    name: 'path',
    type: 'string',
    default: '',
    placeholder: 'stripe-payments',
    description:
      'The end of the webhook URL to give the gateway: your n8n address, then /webhook/, then this path. Left empty, n8n uses a random ID.',
  },
  {
    displayName: 'Answer the Gateway',
    name: 'responseMode',
    type: 'options',
    noDataExpression: true,
    options: [
      {
        name: 'At Once (Recommended)',
        value: 'onReceived',
        description: 'Confirm receipt as soon as the event is verified; the workflow runs afterwards',
      },
      {
        name: 'When the Workflow Finishes',
        value: 'lastNode',
        description: 'Confirm only after the workflow succeeded, so a failed run makes the gateway send the event again. Slow workflows may hit the gateway’s time limit.',
      },
      {
        name: 'Using a Respond to Webhook Node',
        value: 'responseNode',
        description:
          'A Respond to Webhook node (version 1) in the workflow answers a verified event. On n8n 1.x, one right after this trigger answering JSON whose field executionId holds the execution’s ID tells the payment webhooks runtime which execution took each delivery (n8n 2.x says so without it).',
      },
    ],
    default: 'onReceived',
    description: 'When to tell the gateway its webhook arrived',
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    options: [
      {
        displayName: 'Only These Event Kinds',
        name: 'eventKinds',
        type: 'multiOptions',
        options: EVENT_KINDS.map((kind) => ({ name: kindLabel(kind), value: kind })).sort(byName),
        default: [],
        description:
          'Start the workflow only for these kinds of event; other events are still confirmed to the gateway, then ignored. Leave empty for all.',
      },
      {
        displayName: 'Include Original Payload',
        name: 'includeRaw',
        type: 'boolean',
        default: true,
        description: 'Whether to add the gateway’s own payload, untouched, as "raw" on each item',
      },
      {
        displayName: 'Event Key Namespace',
        name: 'keyNamespace',
        type: 'string',
        default: '',
        placeholder: 'e.g. stripe-eu',
        description:
          'Leave empty to start each event’s idempotency key with the gateway’s name (stripe:evt_…). Set a name of your own on each trigger when one gateway sends to several triggers with different secrets (two Stripe accounts), so that one account’s events can never be taken for the other’s. Letters, digits, ".", "_" and "-".',
      },
    ],
  },
];
