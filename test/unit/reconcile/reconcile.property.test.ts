import fc from 'fast-check';
import { OUTCOMES, reconcile, type OpenInvoice, type Payment } from '../../../core/reconcile';

const currencies = ['USD', 'JPY', 'KWD'] as const;
const customers = ['c1', 'c2', 'c3', undefined] as const;
const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');

const invoiceArb = fc.record({
  number: fc.integer({ min: 1, max: 40 }),
  customer: fc.constantFrom(...customers),
  currency: fc.constantFrom(...currencies),
  due: fc.integer({ min: 1, max: 5000 }),
  paid: fc.integer({ min: 0, max: 6000 }),
  dueDay: fc.integer({ min: 0, max: 90 }),
});

const paymentArb = fc.record({
  id: fc.integer({ min: 1, max: 60 }),
  amount: fc.integer({ min: 1, max: 9000 }),
  currency: fc.constantFrom(...currencies),
  customer: fc.constantFrom(...customers),
  reference: fc.option(fc.oneof(
    fc.integer({ min: 1, max: 40 }).map((n) => `INV-${String(n).padStart(4, '0')}`),
    fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 })).map(([a, b]) => `INV-${String(a).padStart(4, '0')}, INV-${String(b).padStart(4, '0')}`),
    fc.string({ maxLength: 12 }),
  ), { nil: undefined }),
  invoiceKey: fc.option(fc.integer({ min: 1, max: 40 }).map((n) => `in_${n}`), { nil: undefined }),
  day: fc.integer({ min: 0, max: 120 }),
});

describe('reconcile properties', () => {
  test('every payment gets exactly one outcome, and its amounts add up to the payment', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(invoiceArb, { maxLength: 30, selector: (i) => i.number }),
        fc.array(paymentArb, { maxLength: 40 }),
        fc.record({ toleranceMinor: fc.integer({ min: 0, max: 20 }), toleranceBps: fc.integer({ min: 0, max: 300 }) }),
        (rawInvoices, rawPayments, tolerance) => {
          const invoices: OpenInvoice[] = rawInvoices.map((i) => ({
            id: `in_${i.number}`,
            number: `INV-${String(i.number).padStart(4, '0')}`,
            ...(i.customer && { customerId: i.customer }),
            amountDue: { minor: i.due, currency: i.currency },
            amountPaid: { minor: Math.min(i.paid, i.due + 10), currency: i.currency },
            dueDate: START + i.dueDay * DAY,
          }));
          const payments: Payment[] = rawPayments.map((p) => ({
            id: `p_${p.id}`,
            amount: { minor: p.amount, currency: p.currency },
            ...(p.customer && { customerId: p.customer }),
            ...(p.reference !== undefined && { reference: p.reference }),
            ...(p.invoiceKey !== undefined && { invoiceId: p.invoiceKey }),
            date: START + p.day * DAY,
          }));
          const results = reconcile(payments, invoices, tolerance);

          expect(results.map((r) => r.paymentId)).toEqual(payments.map((p) => p.id));
          const paidPerInvoice = new Map(invoices.map((i) => [i.id, i.amountPaid.minor]));
          results.forEach((result, index) => {
            const payment = payments[index];
            expect(OUTCOMES).toContain(result.outcome);
            const parts = [...result.allocations.map((a) => a.amount), result.surplus, result.unapplied].filter((m) => m !== undefined);
            for (const part of parts) expect(part.currency).toBe(payment.amount.currency);
            expect(parts.reduce((total, part) => total + part.minor, 0)).toBe(payment.amount.minor);
            for (const allocation of result.allocations) {
              expect(allocation.amount.minor).toBeGreaterThanOrEqual(0);
              const before = paidPerInvoice.get(allocation.invoiceId)!;
              expect(allocation.amountPaidAfter.minor).toBe(before + allocation.amount.minor);
              paidPerInvoice.set(allocation.invoiceId, allocation.amountPaidAfter.minor);
            }
            const applied = result.allocations.length > 0;
            expect(applied).toBe(['matched', 'short_paid', 'overpaid'].includes(result.outcome));
          });
        },
      ),
      { numRuns: 300, seed: 20260330 },
    );
  });
});
