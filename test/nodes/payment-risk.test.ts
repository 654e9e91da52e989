import { randomUUID } from 'node:crypto';
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { PaymentRisk } from '../../nodes/PaymentRisk/PaymentRisk.node';
import type { RiskAssessment } from '../../core/risk';
import { paymentEvent } from '../unit/risk/events';
import { redisCredential } from './support/redis-credential';
import { runWorkflow } from './support/workflow-run';

const node = new PaymentRisk();
const byName = Object.fromEntries(node.description.properties.map((property) => [property.name, property]));

/** One run of a workflow with the node, on the form's defaults unless `parameters` says otherwise. */
function run(items: INodeExecutionData[], parameters: INodeParameters = {}, keyPrefix = `test:node-risk:${randomUUID()}:`, continueOnFail = false) {
  return runWorkflow({ node, items, parameters, credentials: { paymentWebhooksRedisApi: redisCredential(keyPrefix) }, continueOnFail });
}

const item = (overrides: Parameters<typeof paymentEvent>[0] = {}): INodeExecutionData => ({ json: paymentEvent(overrides) as unknown as IDataObject });
const risk = (entry: INodeExecutionData) => entry.json._risk as unknown as RiskAssessment;

describe('Payment Risk node against a real Redis', () => {
  it('has four named outputs and plain-language defaults', () => {
    expect(node.description.outputNames).toEqual(['Priority', 'Standard', 'Review', 'Block']);
    expect(node.description.outputs).toHaveLength(4);
    expect(byName.highValue.default).toBe('USD 1000, EUR 1000, GBP 1000, CHF 1000, CAD 1000, AUD 1000, JPY 150000');
    expect(byName.event.default).toBe('={{ $json }}');
  });

  it('routes a card-testing burst to Block, a big payment to Priority and an ordinary one to Standard', async () => {
    const burst = Array.from({ length: 8 }, (_, i) =>
      item({ kind: 'payment.failed', type: 'charge.failed', amount: { minor: 99, currency: 'USD' }, risk: { ip: '198.51.100.77', cardFingerprint: `fp_burst_${i}` } }),
    );
    const big = item({ amount: { minor: 500_000, currency: 'GBP' }, customer: { id: 'cus_big' } });
    const ordinary = item({ customer: { id: 'cus_ordinary' } });
    const [priority, standard, review, block] = await run([...burst, big, ordinary]);

    expect(priority.map((entry) => entry.json.id)).toEqual([big.json.id]);
    expect(risk(priority[0]).reasons).toEqual(['Amount at or above the high-value threshold: 500000 (limit 100000)']);
    // The first attempts of the burst look ordinary; the burst is blocked once it shows.
    expect(block.length).toBeGreaterThanOrEqual(3);
    expect(block.at(-1)!.json.id).toBe(burst.at(-1)!.json.id);
    expect(risk(block.at(-1)!).reasons).toEqual(
      expect.arrayContaining([
        'Different cards used by this IP address in 10 min: 8 (limit 4)',
        'Declined attempts from this IP address in 10 min: 8 (limit 5)',
        'Share of small amounts from this IP address in 10 min: 1 (limit 0.6)',
      ]),
    );
    expect(standard.map((entry) => entry.json.id)).toContain(ordinary.json.id);
    expect([...standard, ...review, ...block]).toHaveLength(9);
    expect(block.at(-1)!.pairedItem).toEqual({ item: 7 });
  });

  it('keeps counting across executions through Redis, with limits from Fine-Tuning', async () => {
    const keyPrefix = `test:node-risk:${randomUUID()}:`;
    const tuning = { attemptsLimit: 3, attemptsWeight: 35, reviewScore: 30 };
    const attempt = () => item({ risk: { ip: '192.0.2.99' } });
    for (let i = 0; i < 2; i++) {
      const [, standard] = await run([attempt()], { tuning }, keyPrefix);
      expect(standard).toHaveLength(1);
    }
    const [, , review] = await run([attempt()], { tuning }, keyPrefix);
    expect(risk(review[0]).signals.find((s) => s.id === 'attempts.ip')).toMatchObject({ value: 3, limit: 3, weight: 35, points: 35 });
  });

  it('says what is wrong with an item that is not an event, or a bad amount list', async () => {
    await expect(run([{ json: { hello: 'world' } }])).rejects.toThrow('This item is not a payment event');
    const [, , review] = await run([{ json: { hello: 'world' } }], {}, undefined, true);
    expect(review[0].json.error).toBe('This item is not a payment event');
    await expect(run([item()], { highValue: 'USD 1000, lots' })).rejects.toThrow('"lots" is not a currency and an amount');
  });
});
