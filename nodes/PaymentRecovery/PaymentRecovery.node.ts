import {
  NodeConnectionTypes,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
} from 'n8n-workflow';

import type { MoneyAmount } from '../../core/money';
import {
  RECOVERY_ACTIONS,
  customerMessageDraft,
  decideRecovery,
  recoveryInputFromItem,
  type DeclineSignals,
  type RecoveryDecision,
  type RecoveryPolicy,
} from '../../core/recovery';
import { routeItems } from '../shared/items';
import { numberListParameter } from '../shared/list-parameter';
import { OUTPUT_NAMES, recoveryProperties } from './description';

export class PaymentRecovery implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Payment Recovery',
    name: 'paymentRecovery',
    icon: { light: 'file:paymentRecovery.svg', dark: 'file:paymentRecovery.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: 'Decide the next step after a decline',
    description: 'Reads why a payment was declined and decides the right next step: retry later, ask the customer, stop, or review for fraud',
    defaults: { name: 'Payment Recovery' },
    inputs: [NodeConnectionTypes.Main],
    outputs: RECOVERY_ACTIONS.map(() => NodeConnectionTypes.Main),
    outputNames: RECOVERY_ACTIONS.map((action) => OUTPUT_NAMES[action]),
    usableAsTool: true,
    properties: recoveryProperties,
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return routeItems(this, {
      outputCount: RECOVERY_ACTIONS.length,
      // A decline we cannot read goes to a person, never to an automatic retry.
      failedOutput: RECOVERY_ACTIONS.indexOf('review'),
      route: (item, index) => {
        const details = this.getNodeParameter('details', index, {}) as IDataObject;
        const input = recoveryInputFromItem(item.json, {
          attempts: this.getNodeParameter('attempts', index, []),
          timeZone: this.getNodeParameter('timeZone', index, '') as string,
          overrides: overridesFrom(details),
          // The only clock read: the core decides purely from this time.
          now: details.decisionTime ? Date.parse(details.decisionTime as string) : Date.now(),
        });
        const decision = decideRecovery(input, policyFrom(this.getNodeParameter('schedule', index, {}) as IDataObject));
        const recovery = decision.action === 'ask_customer' ? { ...decision, customerMessage: messageFor(item.json, { decision, timeZone: input.timeZone }) } : decision;
        return { output: RECOVERY_ACTIONS.indexOf(decision.action), json: { ...item.json, recovery: recovery as unknown as IDataObject } };
      },
    });
  }
}

/** The customer's message, drafted from the decision and the item's amount and decline message only: never the item's payload. */
function messageFor(json: IDataObject, { decision, timeZone }: { decision: RecoveryDecision; timeZone?: string }) {
  const amount = json.amount as Partial<MoneyAmount> | undefined;
  const failure = json.failure as IDataObject | undefined;
  return customerMessageDraft({
    decision,
    ...(typeof amount?.minor === 'number' && typeof amount.currency === 'string' && { amount: { minor: amount.minor, currency: amount.currency } }),
    ...(typeof failure?.message === 'string' && { gatewayMessage: failure.message }),
    timeZone,
  });
}

function overridesFrom(details: IDataObject): Partial<DeclineSignals> {
  const text = (name: string) => (typeof details[name] === 'string' && details[name] !== '' ? (details[name] as string) : undefined);
  const codes = { networkDeclineCode: text('networkDeclineCode'), merchantAdviceCode: text('merchantAdviceCode') };
  const anyCode = codes.networkDeclineCode !== undefined || codes.merchantAdviceCode !== undefined;
  return { ...codes, network: anyCode ? (text('network') ?? 'visa') : undefined };
}

function policyFrom(schedule: IDataObject): Partial<RecoveryPolicy> {
  const policy: Partial<RecoveryPolicy> = {};
  if (schedule.softRetryHours !== undefined) policy.softRetryHours = numberListParameter(schedule.softRetryHours, 'Wait Before Each Retry');
  if (schedule.transientRetryMinutes !== undefined) policy.transientRetryMinutes = numberListParameter(schedule.transientRetryMinutes, 'Wait After Technical Errors');
  if (schedule.whenExhausted !== undefined) policy.whenExhausted = schedule.whenExhausted as RecoveryPolicy['whenExhausted'];
  if (schedule.maxRetriesIn30Days !== undefined) policy.maxRetriesIn30Days = schedule.maxRetriesIn30Days as number;
  if (schedule.maxDeclinesIn24Hours !== undefined) policy.maxDeclinesIn24Hours = schedule.maxDeclinesIn24Hours as number;
  if (schedule.localStartHour !== undefined || schedule.localEndHour !== undefined) {
    policy.localRetryWindow = { startHour: (schedule.localStartHour as number | undefined) ?? 8, endHour: (schedule.localEndHour as number | undefined) ?? 20 };
  }
  return policy;
}
