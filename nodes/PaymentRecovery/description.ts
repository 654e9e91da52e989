import type { INodeProperties } from 'n8n-workflow';
import type { RecoveryAction, RecoveryPolicy } from '../../core/recovery';

/** One output per action of core/recovery's RECOVERY_ACTIONS, in that order. */
export const OUTPUT_NAMES: Readonly<Record<RecoveryAction, string>> = {
  retry: 'Retry',
  ask_customer: 'Ask Customer',
  stop: 'Stop',
  review: 'Review',
};

/** The choices for "When Retries Run Out", one per value core/recovery's policy accepts. */
const WHEN_EXHAUSTED: Readonly<Record<RecoveryPolicy['whenExhausted'], { name: string; description: string }>> = {
  ask_customer: { name: 'Ask the Customer', description: 'Ask for a new payment method' },
  stop: { name: 'Stop', description: 'Stop collecting this payment' },
};

export const recoveryProperties: INodeProperties[] = [
  {
    displayName:
      'Connect failed payments (payment.failed events from the Payment Webhook Trigger). Each leaves on one output: Retry (with nextAttemptAt), Ask Customer (with a suggested message, and a masked prompt for an AI model to draft it), Stop, or Review (possible fraud).',
    name: 'notice',
    type: 'notice',
    default: '',
  },
  {
    displayName: 'Earlier Attempts',
    name: 'attempts',
    type: 'json',
    default: '={{ $json.attempts ?? [] }}',
    description: 'When this payment (or card) was declined before: a list of times, e.g. ["2026-03-01T10:00:00Z"]. Used for the retry schedule and the card networks\' retry limits.',
    hint: 'Keep the list per payment (for example in a Data Table) and add each decline to it',
  },
  {
    displayName: 'Customer Time Zone',
    name: 'timeZone',
    type: 'string',
    default: '',
    placeholder: 'Europe/Berlin',
    description: 'If known, retries are moved into the customer\'s daytime. Leave empty if unknown.',
  },
  {
    displayName: 'Retry Schedule',
    name: 'schedule',
    type: 'collection',
    placeholder: 'Add Setting',
    default: {},
    description: 'When to retry, and what happens when retries run out',
    options: [
      {
        displayName: 'Earliest Local Hour',
        name: 'localStartHour',
        type: 'number',
        typeOptions: { minValue: 0, maxValue: 23 },
        default: 8,
        description: 'With a time zone: no retry before this hour of the customer\'s day',
      },
      {
        displayName: 'Latest Local Hour',
        name: 'localEndHour',
        type: 'number',
        typeOptions: { minValue: 1, maxValue: 24 },
        default: 20,
        description: 'With a time zone: no retry at or after this hour of the customer\'s day',
      },
      {
        displayName: 'Max Declines per Card in 24 Hours',
        name: 'maxDeclinesIn24Hours',
        type: 'number',
        typeOptions: { minValue: 1, maxValue: 10 },
        default: 10,
        description: 'A retry is postponed rather than making more declines than this in any 24 hours',
      },
      {
        displayName: 'Max Retries per Card in 30 Days',
        name: 'maxRetriesIn30Days',
        type: 'number',
        typeOptions: { minValue: 0, maxValue: 20 },
        default: 15,
        description: 'Visa charges a fee for each retry of one card beyond its limit in 30 days (15 in the rules this default follows; check your acquirer for the current figure)',
      },
      {
        displayName: 'Wait After Technical Errors (Minutes)',
        name: 'transientRetryMinutes',
        type: 'string',
        default: '15, 60, 240',
        description: 'For temporary errors (bank unreachable, processing error): quick retries first, then the schedule above',
      },
      {
        displayName: 'Wait Before Each Retry (Hours)',
        name: 'softRetryHours',
        type: 'string',
        default: '24, 72, 120, 168',
        description: 'For declines the bank may approve later (e.g. insufficient funds): the wait before retry 1, 2, 3 ... The number of entries is the number of retries.',
      },
      {
        displayName: 'When Retries Run Out',
        name: 'whenExhausted',
        type: 'options',
        options: Object.entries(WHEN_EXHAUSTED).map(([value, option]) => ({ ...option, value })),
        default: 'ask_customer',
        description: 'What to do after the last scheduled retry, or when a card reached its retry limit',
      },
    ],
  },
  {
    displayName: 'Decline Details',
    name: 'details',
    type: 'collection',
    placeholder: 'Add Detail',
    default: {},
    description: 'Codes to use when the item does not carry them (the item\'s own codes come first)',
    options: [
      {
        displayName: 'Card Network',
        name: 'network',
        type: 'options',
        options: [
          { name: 'Visa', value: 'visa' },
          { name: 'Mastercard', value: 'mastercard' },
          { name: 'Other', value: 'other' },
        ],
        default: 'visa',
        description: 'Which network\'s code table the network codes below are read with',
      },
      {
        displayName: 'Decide As Of',
        name: 'decisionTime',
        type: 'dateTime',
        default: '',
        description: 'Decide as if it were this time (for replays and tests). Empty means now.',
      },
      {
        displayName: 'Mastercard Merchant Advice Code',
        name: 'merchantAdviceCode',
        type: 'string',
        default: '',
        placeholder: '24',
        description: 'The Merchant Advice Code (MAC), e.g. 03 = do not try again, 24-30 = retry after a set time',
      },
      {
        displayName: 'Network Response Code',
        name: 'networkDeclineCode',
        type: 'string',
        default: '',
        placeholder: '51',
        description: 'The raw two-character response code from the card network',
      },
    ],
  },
];
