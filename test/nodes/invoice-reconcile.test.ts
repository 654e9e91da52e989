import { join } from 'node:path';
import { NodeOperationError, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';

import { InvoiceReconcile } from '../../nodes/InvoiceReconcile/InvoiceReconcile.node';
import type { PaymentEvent } from '../../core/event';
import { runWorkflow } from './support/workflow-run';
import { missingIconFiles } from './support/icons';

const node = new InvoiceReconcile();
const items = (records: object[]): INodeExecutionData[] => records.map((json, index) => ({ json: json as never, pairedItem: { item: index } }));

/** One run of a workflow with the payments on the node's first input and the invoices on its second. */
function run(payments: object[], parameters: INodeParameters, invoices: object[] = [], continueOnFail = false) {
  return runWorkflow({ node, items: items(payments), moreInputs: [items(invoices)], parameters, continueOnFail });
}

/** A Stripe invoice.paid event as the Payment Webhook Trigger emits it. */
const stripeInvoicePaid: PaymentEvent = {
  id: 'evt_1Q', provider: 'stripe', type: 'invoice.paid', kind: 'invoice.paid',
  occurredAt: '2026-03-30T09:00:00.000Z', receivedAt: '2026-03-30T09:00:01.000Z', livemode: false,
  amount: { minor: 10000, currency: 'USD' }, paymentId: 'pi_3Q', invoiceId: 'in_1', customer: { id: 'cus_A' },
  idempotencyKey: 'stripe:evt_1Q', verification: 'signature', raw: { data: { object: { id: 'in_1', metadata: {} } } },
};

const openInvoices = [
  { id: 'in_1', number: 'INV-0001', customer: 'cus_A', currency: 'USD', amountDue: '100.00', dueDate: '2026-03-31' },
  { id: 'in_2', number: 'INV-0002', customer: 'cus_A', currency: 'USD', amountDue: '200.00', dueDate: '2026-03-31' },
  { id: 'in_3', number: 'INV-0003', customer: 'cus_B', currency: 'USD', amountDue: '50.00', dueDate: '2026-03-31' },
  { id: 'in_4', number: 'INV-0004', customer: 'cus_C', currency: 'USD', amountDue: '80.00', dueDate: '2026-03-31' },
  { id: 'in_5', number: 'INV-0005', customer: 'cus_C', currency: 'USD', amountDue: '80.00', dueDate: '2026-03-31' },
  { id: 'in_6', number: 'INV-0006', customer: 'cus_D', currency: 'EUR', amountDue: '70.00', dueDate: '2026-03-31' },
];

const payments = [
  stripeInvoicePaid, // matched by the invoice id in the event
  { id: 'tr_2', amount: '150.00', currency: 'USD', reference: 'inv 0002', date: '2026-03-30' }, // short_paid
  { id: 'tr_3', amount: '65.00', currency: 'USD', reference: 'Payment INV-0003', date: '2026-03-30' }, // overpaid
  { id: 'tr_4', amount: '12.00', currency: 'USD', date: '2026-03-30' }, // unmatched
  { ...stripeInvoicePaid, id: 'evt_2Q', type: 'payment_intent.succeeded', kind: 'payment.succeeded', idempotencyKey: 'stripe:evt_2Q' }, // duplicate
  { id: 'tr_6', amount: '80.00', currency: 'USD', customer: 'cus_C', date: '2026-03-30' }, // ambiguous
  { id: 'tr_7', amount: '70.00', currency: 'USD', reference: 'INV-0006', date: '2026-03-30' }, // currency_mismatch
];

describe('Reconcile Invoices node: execute()', () => {
  test('each payment leaves on the output of its outcome, with the reason and the tier', async () => {
    const outputs = await run(payments, { invoiceSource: 'input' }, openInvoices);
    expect(outputs).toHaveLength(7);
    const summary = outputs.map((output) => output.map((item) => [item.pairedItem, (item.json.reconciliation as { tier?: string }).tier]));
    expect(summary).toEqual([
      [[{ item: 0 }, 'provider_key']],
      [[{ item: 1 }, 'reference_exact']],
      [[{ item: 2 }, 'reference_contains']],
      [[{ item: 3 }, undefined]],
      [[{ item: 4 }, undefined]],
      [[{ item: 5 }, 'amount_customer_date']],
      [[{ item: 6 }, 'reference_exact']],
    ]);
    const shortPaid = outputs[1][0].json;
    expect(shortPaid.reference).toBe('inv 0002');
    expect(shortPaid.reconciliation).toMatchObject({
      outcome: 'short_paid', remaining: { minor: 5000, currency: 'USD' },
      allocations: [{ invoiceId: 'in_2', amountPaidAfter: { minor: 15000, currency: 'USD' } }],
    });
    expect(outputs[5][0].json.reconciliation).toMatchObject({ candidates: [{ invoiceId: 'in_4' }, { invoiceId: 'in_5' }] });
  });

  test('invoices from a field of the payment items, tolerance and already-handled payments as set in the editor', async () => {
    const withList = (payment: object) => ({ ...payment, invoices: openInvoices.slice(0, 2) });
    const outputs = await run(
      [withList({ id: 'p1', amount: '99.60', currency: 'USD', reference: 'INV-0001' }), withList({ id: 'p_old', amount: '200.00', currency: 'USD', reference: 'INV-0002' })],
      { invoiceSource: 'field', invoicesField: 'invoices', toleranceMinor: 50, seenPaymentIds: 'p_x, p_old' },
    );
    expect(outputs[0][0].json.reconciliation).toMatchObject({ outcome: 'matched', writeOff: { amount: { minor: 40, currency: 'USD' }, direction: 'underpaid' } });
    expect(outputs[4][0].json.reconciliation).toMatchObject({ outcome: 'duplicate', duplicateOf: 'earlier run' });
  });

  test('invoices as a JSON list, amounts in minor units, a JPY invoice and a KWD invoice', async () => {
    const invoicesJson = JSON.stringify([
      { id: 'jp', number: 'JP-1', currency: 'JPY', amountDue: 15000 },
      { id: 'kw', number: 'KW-1', currency: 'KWD', amountDue: 12345, amountPaid: 345 },
    ]);
    const outputs = await run(
      [{ id: 'a', amount: 15000, currency: 'JPY', reference: 'JP-1' }, { id: 'b', amount: 12000, currency: 'KWD', reference: 'KW-1' }],
      { invoiceSource: 'json', invoicesJson, amountFormat: 'minor' },
    );
    expect(outputs[0].map((item) => (item.json.reconciliation as { paymentId: string }).paymentId)).toEqual(['a', 'b']);
  });

  test('a payment that cannot be read stops the run with its item named, or goes to Unmatched when the node continues on fail', async () => {
    const bad = [{ id: 'ok', amount: '10.00', currency: 'USD' }, { amount: '5.00', currency: 'USD' }];
    await expect(run(bad, {}, openInvoices)).rejects.toThrow(NodeOperationError);
    await expect(run(bad, {}, openInvoices)).rejects.toThrow(/payment 2 has no id/);
    const outputs = await run(bad, {}, openInvoices, true);
    expect(outputs[3].map((item) => [item.pairedItem, item.json.error])).toEqual([[{ item: 0 }, undefined], [{ item: 1 }, 'payment 2 has no id (needed to recognise duplicates)']]);
  });

  test('an unreadable invoice list is reported in words', async () => {
    // n8n runs the node only when a payment arrives.
    const payment = [{ id: 'p1', amount: '1.00', currency: 'USD' }];
    await expect(run(payment, { invoiceSource: 'json', invoicesJson: '[{"id": "x"' })).rejects.toThrow(/not valid JSON/);
    await expect(run(payment, { invoiceSource: 'input' }, [{ id: 'in_1', amountDue: '1.00' }])).rejects.toThrow(/invoice in_1 amount due has no currency/);
  });

  test('follows n8n node conventions: named outputs, inputs, icon file, descriptions', () => {
    const { description } = node;
    expect(description.name).toBe('invoiceReconcile');
    expect(description.outputs).toHaveLength((description.outputNames ?? []).length);
    expect(description.inputs).toHaveLength((description.inputNames ?? []).length);
    expect(missingIconFiles(description, join(__dirname, '../../nodes/InvoiceReconcile'))).toEqual([]);
    for (const property of description.properties) {
      if (property.type !== 'notice') expect(property.description ?? '').not.toBe('');
    }
  });
});
