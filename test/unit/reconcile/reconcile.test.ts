import {
  OUTCOMES,
  TIERS,
  invoiceFromRecord,
  paymentFromEvent,
  paymentFromRecord,
  reconcile,
  type OpenInvoice,
  type Payment,
  type ReconcileOptions,
  type ReconcileResult,
} from '../../../core/reconcile';
import type { PaymentEvent } from '../../../core/event';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/** Invoices written the way a workflow passes them: plain records, decimal amounts. */
function invoice(fields: Record<string, unknown>): OpenInvoice {
  return invoiceFromRecord({ currency: 'USD', dueDate: '2026-03-31', ...fields }, 'decimal', 0);
}

function payment(fields: Record<string, unknown>): Payment {
  return paymentFromRecord({ currency: 'USD', date: '2026-03-30', ...fields }, 'decimal', 0);
}

interface Case {
  name: string;
  invoices: OpenInvoice[];
  payments: Payment[];
  options?: Partial<ReconcileOptions>;
  /** What the last payment's result must contain. */
  expect: Partial<ReconcileResult> & { allocated?: Array<[string, number]> };
}

const acme = (id: string, number: string, amountDue: string, extra: Record<string, unknown> = {}): OpenInvoice =>
  invoice({ id, number, customer: 'cus_acme', amountDue, ...extra });

const cases: Case[] = [
  {
    name: 'exact provider key: the invoice id in the event',
    invoices: [acme('in_1', 'INV-0001', '100.00'), acme('in_2', 'INV-0002', '100.00')],
    payments: [payment({ id: 'pi_1', amount: '100.00', invoiceId: 'in_2' })],
    expect: { outcome: 'matched', tier: 'provider_key', allocated: [['in_2', 10000]] },
  },
  {
    name: 'exact provider key: a metadata key naming the invoice number',
    invoices: [acme('in_1', 'INV-0001', '100.00'), acme('in_2', 'INV-0002', '100.00')],
    payments: [payment({ id: 'pi_1', amount: '100.00', metadata: { invoice_number: 'INV-0001' } })],
    expect: { outcome: 'matched', tier: 'provider_key', allocated: [['in_1', 10000]] },
  },
  {
    name: 'normalized reference: case, spaces and the INV prefix',
    invoices: [acme('in_1', 'INV-0042', '250.00'), acme('in_2', 'INV-0043', '250.00')],
    payments: [payment({ id: 'tr_1', amount: '250.00', reference: ' inv 0042 ' })],
    expect: { outcome: 'matched', tier: 'reference_exact', allocated: [['in_1', 25000]] },
  },
  {
    name: 'a reference that is the invoice id itself',
    invoices: [acme('in_1', 'INV-0042', '250.00'), acme('in_2', 'INV-0043', '250.00')],
    payments: [payment({ id: 'tr_1', amount: '250.00', reference: 'in_2' })],
    expect: { outcome: 'matched', tier: 'reference_exact', allocated: [['in_2', 25000]] },
  },
  {
    name: 'reference contains the invoice number inside a bank memo',
    invoices: [acme('in_1', 'INV-0042', '250.00'), acme('in_2', 'INV-0043', '250.00')],
    payments: [payment({ id: 'tr_1', amount: '250.00', reference: 'Payment for INV-0043 thanks' })],
    expect: { outcome: 'matched', tier: 'reference_contains', allocated: [['in_2', 25000]] },
  },
  {
    name: 'reference within the edit-distance ratio (one typo in eight characters)',
    invoices: [acme('in_1', 'INV-2026-0042', '80.00'), acme('in_2', 'INV-2026-0077', '80.00')],
    payments: [payment({ id: 'tr_1', amount: '80.00', reference: 'INV 2026 0043', customer: 'cus_acme' })],
    expect: { outcome: 'matched', tier: 'reference_fuzzy', allocated: [['in_1', 8000]] },
  },
  {
    name: 'amount + currency + customer within the date window, nearest due date wins',
    invoices: [acme('in_1', 'A', '75.00', { dueDate: '2026-02-28' }), acme('in_2', 'B', '75.00', { dueDate: '2026-03-31' })],
    payments: [payment({ id: 'pi_1', amount: '75.00', customer: 'cus_acme', date: '2026-04-02' })],
    expect: { outcome: 'matched', tier: 'amount_customer_date', allocated: [['in_2', 7500]] },
  },
  {
    name: 'outside the date window the amount alone is not enough',
    invoices: [acme('in_1', 'A', '75.00', { dueDate: '2025-01-31' }), acme('in_2', 'B', '90.00', { dueDate: '2025-01-31' })],
    payments: [payment({ id: 'pi_1', amount: '75.00', customer: 'cus_acme', date: '2026-04-02' })],
    expect: { outcome: 'unmatched' },
  },
  {
    name: 'tolerance by absolute minor units: 0.30 short of 100.00 is written off',
    invoices: [acme('in_1', 'A', '100.00')],
    payments: [payment({ id: 'pi_1', amount: '99.70', customer: 'cus_acme' })],
    options: { toleranceMinor: 50 },
    expect: {
      outcome: 'matched', tier: 'tolerance', allocated: [['in_1', 9970]],
      writeOff: { amount: { minor: 30, currency: 'USD' }, direction: 'underpaid' },
    },
  },
  {
    name: 'tolerance by basis points: 100 bps of 1,000.00 absorbs an overpayment of 8.00',
    invoices: [acme('in_1', 'A', '1000.00'), acme('in_2', 'B', '2000.00')],
    payments: [payment({ id: 'pi_1', amount: '1008.00', customer: 'cus_acme' })],
    options: { toleranceBps: 100 },
    expect: {
      outcome: 'matched', tier: 'tolerance', allocated: [['in_1', 100800]],
      writeOff: { amount: { minor: 800, currency: 'USD' }, direction: 'overpaid' },
    },
  },
  {
    name: 'outside the tolerance a short payment stays short_paid',
    invoices: [acme('in_1', 'INV-9', '100.00')],
    payments: [payment({ id: 'pi_1', amount: '90.00', reference: 'INV-9' })],
    options: { toleranceMinor: 50, toleranceBps: 10 },
    expect: { outcome: 'short_paid', tier: 'reference_exact', remaining: { minor: 1000, currency: 'USD' }, allocated: [['in_1', 9000]] },
  },
  {
    name: 'overpaid: the surplus is stated',
    invoices: [acme('in_1', 'INV-9', '100.00')],
    payments: [payment({ id: 'pi_1', amount: '130.00', reference: 'INV-9' })],
    expect: { outcome: 'overpaid', tier: 'reference_exact', surplus: { minor: 3000, currency: 'USD' }, allocated: [['in_1', 10000]] },
  },
  {
    name: 'JPY (no minor unit): 15000 yen matches, 10 bps tolerance is 15 yen',
    invoices: [invoice({ id: 'in_jp', number: 'JP-7781', customer: 'cus_tokyo', currency: 'JPY', amountDue: '15000' })],
    payments: [payment({ id: 'pi_jp', currency: 'JPY', amount: '14985', customer: 'cus_tokyo' })],
    options: { toleranceBps: 10 },
    expect: {
      outcome: 'matched', tier: 'tolerance', allocated: [['in_jp', 14985]],
      writeOff: { amount: { minor: 15, currency: 'JPY' }, direction: 'underpaid' },
    },
  },
  {
    name: 'KWD (three decimals): 12.345 KWD is 12345 fils and 5 fils short is within tolerance',
    invoices: [invoice({ id: 'in_kw', number: 'KW-1', currency: 'KWD', amountDue: '12.345' })],
    payments: [payment({ id: 'pi_kw', currency: 'KWD', amount: '12.340', reference: 'KW-1' })],
    options: { toleranceMinor: 5 },
    expect: {
      outcome: 'matched', tier: 'reference_exact', allocated: [['in_kw', 12340]],
      writeOff: { amount: { minor: 5, currency: 'KWD' }, direction: 'underpaid' },
    },
  },
  {
    name: 'KWD short by more than the tolerance',
    invoices: [invoice({ id: 'in_kw', number: 'KW-1', currency: 'KWD', amountDue: '12.345' })],
    payments: [payment({ id: 'pi_kw', currency: 'KWD', amount: '12.000', reference: 'KW-1' })],
    options: { toleranceMinor: 5 },
    expect: { outcome: 'short_paid', remaining: { minor: 345, currency: 'KWD' } },
  },
  {
    name: 'unmatched: nothing to match on',
    invoices: [acme('in_1', 'A', '100.00')],
    payments: [payment({ id: 'pi_1', amount: '42.00' })],
    expect: { outcome: 'unmatched', unapplied: { minor: 4200, currency: 'USD' }, allocations: [] },
  },
  {
    name: 'unmatched: a refund (negative amount) is never applied to an invoice',
    invoices: [acme('in_1', 'INV-1', '100.00')],
    payments: [payment({ id: 're_1', amount: '-100.00', reference: 'INV-1' })],
    expect: { outcome: 'unmatched', unapplied: { minor: -10000, currency: 'USD' }, allocations: [] },
  },
  {
    name: 'duplicate: the same payment twice in one batch',
    invoices: [acme('in_1', 'INV-1', '100.00'), acme('in_2', 'INV-2', '100.00')],
    payments: [payment({ id: 'pi_1', amount: '100.00', reference: 'INV-1' }), payment({ id: 'pi_1', amount: '100.00', reference: 'INV-1' })],
    expect: { outcome: 'duplicate', duplicateOf: 'this batch', unapplied: { minor: 10000, currency: 'USD' } },
  },
  {
    name: 'duplicate: a payment id seen in an earlier run',
    invoices: [acme('in_1', 'INV-1', '100.00')],
    payments: [payment({ id: 'pi_old', amount: '100.00', reference: 'INV-1' })],
    options: { seenPaymentIds: ['pi_zzz', 'pi_old'] },
    expect: { outcome: 'duplicate', duplicateOf: 'earlier run' },
  },
  {
    name: 'ambiguous pair: two invoices of the customer due the same amount on the same day',
    invoices: [acme('in_1', 'A-1', '60.00'), acme('in_2', 'A-2', '60.00')],
    payments: [payment({ id: 'pi_1', amount: '60.00', customer: 'cus_acme' })],
    expect: { outcome: 'ambiguous', tier: 'amount_customer_date', allocations: [] },
  },
  {
    name: 'ambiguous reference: the same number for two customers and no customer on the payment',
    invoices: [acme('in_1', 'INV-5', '60.00'), invoice({ id: 'in_2', number: 'INV-5', customer: 'cus_other', amountDue: '60.00' })],
    payments: [payment({ id: 'pi_1', amount: '60.00', reference: 'INV-5' })],
    expect: { outcome: 'ambiguous', tier: 'reference_exact' },
  },
  {
    name: 'the customer settles the same ambiguity',
    invoices: [acme('in_1', 'INV-5', '60.00'), invoice({ id: 'in_2', number: 'INV-5', customer: 'cus_other', amountDue: '60.00' })],
    payments: [payment({ id: 'pi_1', amount: '60.00', reference: 'INV-5', customer: 'cus_other' })],
    expect: { outcome: 'matched', tier: 'reference_exact', allocated: [['in_2', 6000]] },
  },
  {
    name: 'currency_mismatch: the event names a EUR invoice, the payment is USD',
    invoices: [invoice({ id: 'in_eu', number: 'EU-1', currency: 'EUR', amountDue: '100.00' })],
    payments: [payment({ id: 'pi_1', amount: '100.00', invoiceId: 'in_eu' })],
    expect: { outcome: 'currency_mismatch', tier: 'provider_key', unapplied: { minor: 10000, currency: 'USD' } },
  },
  {
    name: '1:N by reference: one payment for two listed invoices',
    invoices: [acme('in_1', 'INV-1', '100.00', { dueDate: '2026-03-01' }), acme('in_2', 'INV-2', '50.00'), acme('in_3', 'INV-3', '70.00')],
    payments: [payment({ id: 'pi_1', amount: '150.00', reference: 'INV-1, INV-2' })],
    expect: { outcome: 'matched', tier: 'reference_exact', allocated: [['in_1', 10000], ['in_2', 5000]] },
  },
  {
    name: '1:N by amount: the only subset of the customer\'s invoices that adds up',
    invoices: [acme('in_1', 'A', '100.00', { dueDate: '2026-03-01' }), acme('in_2', 'B', '250.00', { dueDate: '2026-03-15' }), acme('in_3', 'C', '400.00')],
    payments: [payment({ id: 'pi_1', amount: '500.00', customer: 'cus_acme' })],
    expect: { outcome: 'matched', tier: 'group_subset', allocated: [['in_1', 10000], ['in_3', 40000]] },
  },
  {
    name: '1:N ambiguous: two subsets add up to the payment',
    invoices: [acme('in_1', 'A', '100.00'), acme('in_2', 'B', '200.00'), acme('in_3', 'C', '150.00'), acme('in_4', 'D', '150.00')],
    payments: [payment({ id: 'pi_1', amount: '300.00', customer: 'cus_acme' })],
    expect: { outcome: 'ambiguous', tier: 'group_subset' },
  },
  {
    name: 'a partial payment without a reference goes to the customer\'s only open invoice',
    invoices: [acme('in_1', 'A', '1000.00'), invoice({ id: 'in_2', number: 'B', customer: 'cus_acme', currency: 'EUR', amountDue: '5.00' })],
    payments: [payment({ id: 'pi_1', amount: '400.00', customer: 'cus_acme' })],
    expect: { outcome: 'short_paid', tier: 'customer_single_open', remaining: { minor: 60000, currency: 'USD' } },
  },
  {
    name: 'N:1 across executions: amountPaid carried on the invoice completes it',
    invoices: [acme('in_1', 'INV-77', '300.00', { amountPaid: '200.00' })],
    payments: [payment({ id: 'pi_3', amount: '100.00', reference: 'INV-77' })],
    expect: { outcome: 'matched', tier: 'reference_exact', allocated: [['in_1', 10000]] },
  },
  {
    name: 'an invoice already settled receives nothing: the whole payment is surplus',
    invoices: [acme('in_1', 'INV-77', '300.00', { amountPaid: '300.00' })],
    payments: [payment({ id: 'pi_4', amount: '100.00', reference: 'INV-77' })],
    expect: { outcome: 'overpaid', surplus: { minor: 10000, currency: 'USD' }, allocated: [['in_1', 0]] },
  },
];

describe('reconcile: every outcome and tier', () => {
  test.each(cases)('$name', ({ invoices, payments, options, expect: expected }) => {
    const results = reconcile(payments, invoices, options);
    expect(results).toHaveLength(payments.length);
    const last = results[results.length - 1];
    const { allocated, ...fields } = expected;
    expect(last).toMatchObject(fields);
    if (allocated) expect(last.allocations.map((a) => [a.invoiceId, a.amount.minor])).toEqual(allocated);
    expect(last.reason.length).toBeGreaterThan(10);
  });

  test('the table covers every outcome and every tier', () => {
    const seen = cases.map(({ invoices, payments, options }) => reconcile(payments, invoices, options).pop()!);
    expect(new Set(seen.map((r) => r.outcome))).toEqual(new Set(OUTCOMES));
    expect(new Set(seen.map((r) => r.tier).filter(Boolean))).toEqual(new Set(TIERS));
  });

  test('ambiguous results list the candidates and apply nothing', () => {
    const [result] = reconcile(
      [payment({ id: 'pi_1', amount: '60.00', customer: 'cus_acme' })],
      [acme('in_1', 'A-1', '60.00'), acme('in_2', 'A-2', '60.00'), acme('in_3', 'A-3', '61.00')],
    );
    expect(result.candidates?.map((c) => c.invoiceId)).toEqual(['in_1', 'in_2']);
    expect(result.candidates?.[0].remaining).toEqual({ minor: 6000, currency: 'USD' });
  });

  test('N:1 in one batch: three partial payments end matched, amountPaid accumulating', () => {
    const results = reconcile(
      [
        payment({ id: 'p1', amount: '100.00', reference: 'INV-300' }),
        payment({ id: 'p2', amount: '150.00', reference: 'inv 300' }),
        payment({ id: 'p3', amount: '50.00', reference: 'Final part INV-300' }),
      ],
      [acme('in_300', 'INV-300', '300.00'), acme('in_301', 'INV-301', '50.00')],
    );
    expect(results.map((r) => r.outcome)).toEqual(['short_paid', 'short_paid', 'matched']);
    expect(results.map((r) => r.remaining?.minor)).toEqual([20000, 5000, undefined]);
    expect(results.map((r) => r.allocations[0].amountPaidAfter.minor)).toEqual([10000, 25000, 30000]);
    expect(results[2].allocations[0]).toMatchObject({ invoiceId: 'in_300', remainingAfter: { minor: 0, currency: 'USD' } });
  });

  test('a settled invoice leaves the amount index: the next equal payment finds the other invoice', () => {
    const results = reconcile(
      [payment({ id: 'p1', amount: '60.00', customer: 'cus_acme', date: '2026-02-27' }), payment({ id: 'p2', amount: '60.00', customer: 'cus_acme', date: '2026-02-27' })],
      [acme('in_1', 'A-1', '60.00', { dueDate: '2026-02-28' }), acme('in_2', 'A-2', '60.00', { dueDate: '2026-03-31' })],
    );
    expect(results.map((r) => [r.outcome, r.allocations[0]?.invoiceId])).toEqual([['matched', 'in_1'], ['matched', 'in_2']]);
  });

  test('canonical events: the payment id makes invoice.paid and payment.succeeded one payment', () => {
    const base = {
      provider: 'stripe', occurredAt: '2026-03-30T10:00:00Z', receivedAt: '2026-03-30T10:00:01Z',
      amount: { minor: 10000, currency: 'USD' }, paymentId: 'pi_123', invoiceId: 'in_1', customer: { id: 'cus_acme' },
    };
    const events: PaymentEvent[] = [
      { ...base, id: 'evt_1', type: 'invoice.paid', kind: 'invoice.paid', idempotencyKey: 'stripe:evt_1', raw: {} },
      { ...base, id: 'evt_2', type: 'payment_intent.succeeded', kind: 'payment.succeeded', idempotencyKey: 'stripe:evt_2', raw: { data: { object: { metadata: { invoice_id: 'in_1' } } } } },
    ];
    const payments = events.map(paymentFromEvent);
    expect(payments[1].metadata).toEqual({ invoice_id: 'in_1' });
    expect(payments[0].date).toBe(Date.parse('2026-03-30T10:00:00Z'));
    const results = reconcile(payments, [acme('in_1', 'INV-1', '100.00')]);
    expect(results.map((r) => r.outcome)).toEqual(['matched', 'duplicate']);
    expect(results[0].paymentId).toBe('stripe:pi_123');
  });

  test('amounts in minor units and Stripe-style records (Unix seconds, snake_case)', () => {
    const stripeInvoice = invoiceFromRecord(
      { id: 'in_9', number: 'ABC-0009', customer: 'cus_9', currency: 'usd', amount_due: 2500, amount_paid: 500, due_date: 1774915200 },
      'minor', 0,
    );
    expect(stripeInvoice).toMatchObject({ amountDue: { minor: 2500, currency: 'USD' }, amountPaid: { minor: 500, currency: 'USD' }, dueDate: 1774915200000 });
    const [result] = reconcile([paymentFromRecord({ id: 'ch_9', amount: 2000, currency: 'USD', invoice: 'in_9' }, 'minor', 0)], [stripeInvoice]);
    expect(result).toMatchObject({ outcome: 'matched', tier: 'provider_key' });
  });

  test('bad input is refused with a message that names the record', () => {
    expect(() => invoiceFromRecord({ id: 'in_1', currency: 'USD', amountDue: '10.005' }, 'decimal', 0)).toThrow(/invoice in_1 amount due/);
    expect(() => paymentFromRecord({ amount: 5, currency: 'USD' }, 'minor', 3)).toThrow(/payment 4 has no id/);
    expect(() => paymentFromRecord({ id: 'p', amount: 10.5, currency: 'USD' }, 'minor', 0)).toThrow(/minor units/);
    expect(() => reconcile([], [acme('in_1', 'A', '1.00'), acme('in_1', 'B', '2.00')])).toThrow(/appears twice/);
  });

  test('the day arithmetic helper agrees with the data', () => {
    expect(day('2026-03-31')).toBe(invoice({ id: 'x', amountDue: '1.00' }).dueDate);
  });
});
