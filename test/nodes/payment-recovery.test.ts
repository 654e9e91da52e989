import { join } from 'node:path';
import { NodeOperationError, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';

import { PaymentRecovery } from '../../nodes/PaymentRecovery/PaymentRecovery.node';
import type { PaymentEvent } from '../../core/event';
import { runWorkflow } from './support/workflow-run';
import { missingIconFiles } from './support/icons';

const node = new PaymentRecovery();
const NOW = '2026-03-10T01:05:00.000Z';

/** One run of a workflow with the node at a fixed decision time; "Earlier Attempts" keeps its default expression ({{ $json.attempts ?? [] }}). */
function run(records: object[], values: INodeParameters = {}, continueOnFail = false) {
  const items: INodeExecutionData[] = records.map((json, index) => ({ json: json as never, pairedItem: { item: index } }));
  return runWorkflow({ node, items, parameters: { details: { decisionTime: NOW }, ...values }, continueOnFail });
}

function failed(provider: string, failure: PaymentEvent['failure'], raw: unknown = {}, extra: Partial<PaymentEvent> = {}): PaymentEvent {
  return {
    id: `evt_${provider}`, provider, type: 'payment_failed', kind: 'payment.failed', occurredAt: '2026-03-10T01:00:00.000Z',
    receivedAt: '2026-03-10T01:00:01.000Z', amount: { minor: 2500, currency: 'EUR' }, paymentId: 'pay_1', failure,
    idempotencyKey: `${provider}:evt_${provider}`, raw, ...extra,
  };
}

describe('Payment Recovery node: execute()', () => {
  test('each failed payment leaves on its action\'s output, with the rule that decided it', async () => {
    const outputs = await run([
      failed('stripe', { code: 'card_declined', declineCode: 'insufficient_funds' }),
      failed('adyen', { code: '6', message: 'Expired Card' }),
      failed('braintree', { code: '2013' }),
      failed('paypal', { code: '9500' }),
    ]);
    expect(outputs.map((output) => output.map((item) => [item.pairedItem, (item.json.recovery as { rule: string }).rule]))).toEqual([
      [[{ item: 0 }, 'stripe.decline_code:insufficient_funds']],
      [[{ item: 1 }, 'adyen.refusal_reason:6']],
      [[{ item: 2 }, 'braintree.processor_response:2013']],
      [[{ item: 3 }, 'paypal.processor_response:9500']],
    ]);
    expect(outputs[0][0].json.recovery).toMatchObject({ action: 'retry', nextAttemptAt: '2026-03-11T01:00:00.000Z', retryNumber: 1 });
    expect(outputs[1][0].json.recovery).toMatchObject({ action: 'ask_customer', reason: 'expired_card' });
    expect((outputs[1][0].json.recovery as { suggestedMessage: string }).suggestedMessage).toMatch(/expired/);
    expect(outputs[0][0].json.paymentId).toBe('pay_1');
  });

  test('Ask Customer items carry the customer\'s message: a masked prompt for a model and the fallback text', async () => {
    const raw = { data: { object: { payment_method_details: { card: { number: '4242424242424242' } }, customer_email: 'ada@example.com' } } };
    const outputs = await run(
      [failed('stripe', { code: 'expired_card', message: 'Card 4242 4242 4242 4242 expired; ask ada@example.com' }, raw, { customer: { email: 'ada@example.com', name: 'Ada' } })],
      { timeZone: 'Europe/Berlin' },
    );
    const recovery = outputs[1][0].json.recovery as { nextAttemptAt: string; customerMessage: Record<string, string> };
    expect(recovery.nextAttemptAt).toBe('2026-03-11T07:00:00.000Z');
    expect(recovery.customerMessage).toMatchObject({ amountText: '€25.00', nextAttemptDate: 'Wednesday, March 11, 2026' });
    expect(recovery.customerMessage.prompt).toContain("The bank's message: Card [card number] expired; ask [email]");
    expect(recovery.customerMessage.prompt).not.toMatch(/4242|ada@example\.com|payment_method_details|Ada/);
    expect(recovery.customerMessage.fallback).toMatch(/^The card we have on file for you has expired\..* We will try the payment again on Wednesday, March 11, 2026\.$/);
    expect(outputs[0]).toEqual([]);
  });

  test('earlier attempts from the item, the schedule and time zone as set in the editor', async () => {
    const attempts = ['2026-03-08T01:00:00Z', '2026-03-09T01:00:00Z'];
    const outputs = await run(
      [{ ...failed('square', { code: 'INSUFFICIENT_FUNDS' }), attempts }],
      { timeZone: 'America/New_York', schedule: { softRetryHours: '6, 12, 20, 30' } },
    );
    // Retry 3 waits 20 h: 21:00 UTC = 17:00 EDT, inside the 8-20 window.
    expect(outputs[0][0].json.recovery).toMatchObject({ retryNumber: 3, nextAttemptAt: '2026-03-10T21:00:00.000Z' });
  });

  test('a 16th retry within 30 days goes to Stop when retries running out should stop', async () => {
    const attempts = Array.from({ length: 15 }, (_, i) => new Date(Date.parse('2026-03-10T01:00:00Z') - (15 - i) * 36 * 3_600_000).toISOString());
    const outputs = await run(
      [{ ...failed('stripe', { declineCode: 'insufficient_funds' }), attempts }],
      { schedule: { softRetryHours: Array(20).fill(36).join(','), whenExhausted: 'stop' } },
    );
    expect(outputs[2][0].json.recovery).toMatchObject({ action: 'stop', rule: 'policy.max_retries_30_days', reason: 'retries_exhausted' });
  });

  test('plain items with codes, and network codes from the node\'s Decline Details', async () => {
    const outputs = await run(
      [{ provider: 'stripe', failure: { declineCode: 'generic_decline' }, failedAt: '2026-03-10T01:00:00Z' }],
      { details: { decisionTime: NOW, network: 'mastercard', merchantAdviceCode: '27' }, schedule: { softRetryHours: '1' } },
    );
    expect(outputs[0][0].json.recovery).toMatchObject({ nextAttemptAt: '2026-03-14T01:00:00.000Z' });
    const stop = await run([{ provider: 'stripe', failure: { declineCode: 'generic_decline' } }], { details: { decisionTime: NOW, networkDeclineCode: 'R1' } });
    expect(stop[2][0].json.recovery).toMatchObject({ action: 'stop', visaCategory: 1, rule: 'visa.response_code:R1' });
  });

  test('an unreadable item stops the run, or goes to Review when the node continues on fail', async () => {
    const bad = [failed('stripe', { declineCode: 'insufficient_funds' }, {}, { occurredAt: 'yesterday' })];
    await expect(run(bad)).rejects.toThrow(NodeOperationError);
    await expect(run(bad)).rejects.toThrow(/occurredAt "yesterday" is not a time/);
    await expect(run([failed('stripe', {})], { timeZone: 'Mars/Olympus' })).rejects.toThrow(/not a time zone/);
    const outputs = await run(bad, {}, true);
    expect(outputs[3][0].json.error).toMatch(/not a time/);
  });

  test('follows n8n node conventions: named outputs, icon file, descriptions', () => {
    const { description } = node;
    expect(description.name).toBe('paymentRecovery');
    expect(description.outputNames).toEqual(['Retry', 'Ask Customer', 'Stop', 'Review']);
    expect(description.outputs).toHaveLength(4);
    expect(missingIconFiles(description, join(__dirname, '../../nodes/PaymentRecovery'))).toEqual([]);
    for (const property of description.properties) {
      if (property.type !== 'notice') expect(property.description ?? '').not.toBe('');
    }
  });
});
