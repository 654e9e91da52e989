import {
  NodeConnectionTypes,
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
} from 'n8n-workflow';

import { validateEvent, type PaymentEvent } from '../../core/event';
import { DEFAULT_RULES, RISK_LANES, RedisRiskWindowStore, parseCurrencyAmounts, scoreEvent, type RiskConfig, type RiskRules } from '../../core/risk';
import { routeItems } from '../shared/items';
import { REDIS_CREDENTIAL, closeRedis, openRedis, testRedisCredential } from '../shared/redis';
import { OUTPUT_NAMES, TUNINGS, riskProperties } from './description';

export class PaymentRisk implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Payment Risk',
    name: 'paymentRisk',
    icon: { light: 'file:paymentRisk.svg', dark: 'file:paymentRisk.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: 'Priority, Standard, Review or Block',
    description: 'Scores each payment event for fraud and urgency, and routes it to Priority, Standard, Review or Block',
    defaults: { name: 'Payment Risk' },
    inputs: [NodeConnectionTypes.Main],
    outputs: RISK_LANES.map(() => NodeConnectionTypes.Main),
    outputNames: RISK_LANES.map((lane) => OUTPUT_NAMES[lane]),
    usableAsTool: true,
    credentials: [
      // The Redis connection, shared with the Idempotency and Dead Letter nodes.
      { name: 'paymentWebhooksRedisApi', required: true, testedBy: 'paymentWebhooksRedisTest' },
    ],
    properties: riskProperties,
  };

  methods = { credentialTest: { paymentWebhooksRedisTest: testRedisCredential } };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const config = readConfig(this);
    const connection = await openRedis(await this.getCredentials(REDIS_CREDENTIAL));
    // The counters live in Redis, so every run and every n8n process shares one window.
    const store = new RedisRiskWindowStore({ client: connection.client, keyPrefix: `${connection.keyPrefix}risk:` });
    try {
      return await routeItems(this, {
        outputCount: RISK_LANES.length,
        // A failed item goes on for a person to look at.
        failedOutput: RISK_LANES.indexOf('review'),
        route: async (item, index) => {
          const event = readEvent(this, index);
          const source = String(this.getNodeParameter('source', index, '') || event.provider);
          const assessment = await scoreEvent(event, { store, config, now: Date.now(), source });
          return { output: RISK_LANES.indexOf(assessment.lane), json: { ...item.json, _risk: assessment as unknown as IDataObject } };
        },
      });
    } finally {
      await closeRedis(connection);
    }
  }
}

function readEvent(context: IExecuteFunctions, index: number): PaymentEvent {
  const value = context.getNodeParameter('event', index) as unknown;
  const check = validateEvent(typeof value === 'string' ? JSON.parse(value) : value);
  if (check.ok) return check.event;
  throw new NodeOperationError(context.getNode(), 'This item is not a payment event', {
    itemIndex: index,
    description: `Put the Payment Webhook Trigger before this node, or point "Event" at the event. Problems: ${check.errors.join('; ')}`,
  });
}

/** Thresholds and fine-tuning from the form, over the defaults; one config for the whole run. */
function readConfig(context: IExecuteFunctions): RiskConfig {
  const amounts = (name: string) => {
    try {
      return parseCurrencyAmounts(context.getNodeParameter(name, 0, '') as string);
    } catch (error) {
      throw new NodeOperationError(context.getNode(), (error as Error).message, {
        description: 'Write each currency and amount in the main unit, separated by commas, like "USD 1000, EUR 950.50"',
      });
    }
  };
  const tuning = context.getNodeParameter('tuning', 0, {}) as Record<string, number>;
  const rules = structuredClone(DEFAULT_RULES) as unknown as Record<string, unknown>;
  for (const entry of TUNINGS) {
    if (tuning[entry.option] === undefined) continue;
    const value = tuning[entry.option] * (entry.scale ?? 1);
    if (entry.field) (rules[entry.rule] as Record<string, number>)[entry.field] = value;
    else rules[entry.rule] = value;
  }
  return { amounts: { highValue: amounts('highValue'), small: amounts('smallAmounts') }, rules: rules as unknown as RiskRules };
}
