import type { INodeProperties } from 'n8n-workflow';
import { EVENT_KINDS } from '../../core/event';
import { DEAD_LETTER_STATUSES } from '../../core/deadletter/records';

export type Operation = 'add' | 'list' | 'get' | 'replay' | 'resolve' | 'discard' | 'purge';
export type Storage = 'redis' | 'runtime';

const show = (operation: Operation[], extra: Record<string, string[]> = {}) => ({ show: { operation, ...extra } });
const capitalized = (text: string) => text[0].toUpperCase() + text.slice(1);

const recordId: INodeProperties = {
  displayName: 'Dead Letter ID',
  name: 'recordId',
  type: 'string',
  default: '={{ $json.id }}',
  required: true,
  description: 'The ID of the dead letter, as Add or List output it',
};

const note: INodeProperties = {
  displayName: 'Note',
  name: 'note',
  type: 'string',
  default: '',
  description: 'Why, for whoever looks at this dead letter later (kept in its history)',
};

/** The filter fields List and Replay share. */
const filters = (operation: Operation[], extra: Record<string, string[]> = {}): INodeProperties => ({
  displayName: 'Filters',
  name: 'filters',
  type: 'collection',
  placeholder: 'Add Filter',
  default: {},
  displayOptions: show(operation, extra),
  options: [
    { displayName: 'Error Contains', name: 'errorContains', type: 'string', default: '', placeholder: 'timeout', description: 'Only dead letters whose error message contains this text (any case)' },
    {
      displayName: 'Event Kind',
      name: 'kind',
      type: 'options',
      options: EVENT_KINDS.map((kind) => ({ name: kind, value: kind })),
      default: 'payment.succeeded',
      description: 'Only events of this kind',
    },
    { displayName: 'Failed After', name: 'from', type: 'dateTime', default: '', description: 'Only dead letters whose last failure was at or after this time' },
    { displayName: 'Failed Before', name: 'to', type: 'dateTime', default: '', description: 'Only dead letters whose last failure was at or before this time' },
    { displayName: 'Gateway', name: 'provider', type: 'string', default: '', placeholder: 'stripe', description: 'Only events from this gateway (its ID, e.g. stripe, adyen, paypal)' },
    {
      displayName: 'Status',
      name: 'status',
      type: 'multiOptions',
      options: DEAD_LETTER_STATUSES.map((status) => ({ name: capitalized(status), value: status })),
      default: ['open'],
      description: 'Open: waiting for someone. Replayed: sent again. Resolved: handled another way. Discarded: not worth handling.',
    },
  ],
});

export const deadLetterProperties: INodeProperties[] = [
  {
    displayName: 'Where Dead Letters Are Kept',
    name: 'storage',
    type: 'options',
    noDataExpression: true,
    options: [
      { name: 'Redis', value: 'redis', description: 'A Redis server; the connector runtime in Redis mode uses the same one' },
      { name: 'Connector Runtime', value: 'runtime', description: 'The payment-webhooks runtime’s own store, through its admin API' },
    ],
    default: 'redis',
  },
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    options: [
      { name: 'Add', value: 'add', action: 'Add a failed event', description: 'Keep a failed event for later. Connect it straight after an Error Trigger, or give it any item holding the event.' },
      { name: 'Discard', value: 'discard', action: 'Discard a dead letter', description: 'Mark a dead letter as not worth handling' },
      { name: 'Get', value: 'get', action: 'Get a dead letter', description: 'Get one dead letter by its ID' },
      { name: 'List', value: 'list', action: 'List dead letters', description: 'List dead letters, newest failure first' },
      { name: 'Purge', value: 'purge', action: 'Delete old dead letters', description: 'Delete dead letters whose last failure is older than a date' },
      { name: 'Replay', value: 'replay', action: 'Replay dead letters', description: 'Send failed events again, keeping their idempotency keys so finished ones are not run twice' },
      { name: 'Resolve', value: 'resolve', action: 'Resolve a dead letter', description: 'Mark a dead letter as handled another way' },
    ],
    default: 'add',
  },

  // Add
  {
    displayName: 'Find the Event In',
    name: 'eventSource',
    type: 'options',
    options: [
      { name: 'This Item', value: 'item', description: 'The event is in the item, or mapped in Event below' },
      {
        name: 'The Failed Execution (Via the N8n API)',
        value: 'execution',
        description: 'Straight after an Error Trigger: fetch the failed execution from n8n and take the event from it',
      },
    ],
    default: 'item',
    displayOptions: show(['add']),
  },
  {
    displayName: 'Event',
    name: 'event',
    type: 'json',
    default: '',
    displayOptions: show(['add'], { eventSource: ['item'] }),
    description: 'The payment event that failed. Leave empty to find it anywhere in the item.',
  },
  {
    displayName: 'Replay URL',
    name: 'replayUrl',
    type: 'string',
    default: '',
    placeholder: 'https://n8n.example.com/webhook/payments',
    displayOptions: show(['add']),
    description: 'Where Replay sends the event by default: the Production URL of the failed workflow’s trigger',
  },
  {
    displayName: 'Error Message',
    name: 'errorMessage',
    type: 'string',
    default: '',
    displayOptions: show(['add']),
    description: 'What went wrong. Leave empty to take it from the Error Trigger (or the item’s error field).',
  },

  // Get, Resolve, Discard, Replay one
  { ...recordId, displayOptions: show(['get', 'resolve', 'discard']) },
  { ...note, displayOptions: show(['resolve', 'discard']) },

  // Replay
  {
    displayName: 'Replay Which',
    name: 'replayWhich',
    type: 'options',
    noDataExpression: true,
    options: [
      { name: 'One Dead Letter', value: 'one' },
      { name: 'All Matching Filters', value: 'matching' },
    ],
    default: 'one',
    displayOptions: show(['replay']),
  },
  { ...recordId, displayOptions: show(['replay'], { replayWhich: ['one'] }) },
  filters(['replay'], { replayWhich: ['matching'] }),
  {
    displayName: 'Only Count (Dry Run)',
    name: 'dryRun',
    type: 'boolean',
    default: true,
    displayOptions: show(['replay'], { replayWhich: ['matching'] }),
    description: 'Whether to only count what would be replayed. Check the count, then turn this off to replay.',
  },
  {
    displayName: 'Send To',
    name: 'sendTo',
    type: 'options',
    options: [
      { name: 'Where It Failed', value: 'original', description: 'The workflow’s Replay URL, or the runtime’s destination that refused it' },
      { name: 'Another URL', value: 'url' },
    ],
    default: 'original',
    displayOptions: show(['replay']),
  },
  {
    displayName: 'URL',
    name: 'url',
    type: 'string',
    default: '',
    required: true,
    placeholder: 'https://n8n.example.com/webhook/payments',
    displayOptions: show(['replay'], { sendTo: ['url'] }),
  },
  {
    displayName: 'Signing Secret',
    name: 'signingSecret',
    type: 'string',
    typeOptions: { password: true },
    default: '',
    displayOptions: show(['replay']),
    description: 'A Standard Webhooks secret (whsec_...) to sign the replay with, when the receiver checks signatures. The runtime signs its own replays.',
  },

  // List
  filters(['list']),
  {
    displayName: 'Limit',
    name: 'limit',
    type: 'number',
    typeOptions: { minValue: 1 },
    default: 50,
    displayOptions: show(['list']),
    description: 'Max number of results to return',
  },

  // Purge
  {
    displayName: 'Older Than',
    name: 'before',
    type: 'dateTime',
    default: '',
    required: true,
    displayOptions: show(['purge']),
    description: 'Delete dead letters whose last failure is before this time, whatever their status',
  },
];
