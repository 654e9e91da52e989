/**
 * Applying a payment to the invoice(s) the ladder found: how much each receives, and whether
 * that is paid in full, within tolerance (written off), short or over.
 */
import type { MoneyAmount } from '../event';
import { add, compare, subtract } from '../money';
import type { InvoiceIndex, InvoiceState } from './invoice-index';
import { toleranceFor } from './ladder';
import type { Allocation, ReconcileOptions, ReconcileResult, Tier } from './types';

const zero = (currency: string): MoneyAmount => ({ minor: 0, currency });
const min = (a: MoneyAmount, b: MoneyAmount): MoneyAmount => (compare(a, b) <= 0 ? a : b);

/**
 * Invoices are paid in the order given (oldest due first). Within tolerance the last invoice
 * takes the difference and every invoice closes; otherwise a shortfall stays on the last
 * invoices reached and an excess is the surplus.
 */
export function settle(
  context: { index: InvoiceIndex; options: ReconcileOptions },
  payment: { id: string; amount: MoneyAmount },
  match: { invoices: InvoiceState[]; tier: Tier; reason: string },
): ReconcileResult {
  const { index, options } = context;
  const { invoices, tier, reason } = match;
  const currency = payment.amount.currency;
  const owed = invoices.reduce((total, state) => add(total, state.remaining), zero(currency));
  const difference = subtract(payment.amount, owed);
  const withinTolerance = difference.minor !== 0 && Math.abs(difference.minor) <= toleranceFor(owed, options);

  let left = payment.amount;
  const allocations: Allocation[] = invoices.map((state, position) => {
    const last = position === invoices.length - 1;
    const amount = withinTolerance && last ? left : min(left, state.remaining);
    left = subtract(left, amount);
    const paidAfter = add(state.paid, amount);
    const remainingAfter = withinTolerance ? zero(currency) : subtract(state.remaining, amount);
    index.settle(state, paidAfter, remainingAfter);
    const { id: invoiceId, number: invoiceNumber } = state.invoice;
    // Literals rather than spreads (a million results); the keys keep the same order either way.
    return invoiceNumber !== undefined
      ? { invoiceId, invoiceNumber, amount, amountPaidAfter: paidAfter, remainingAfter }
      : { invoiceId, amount, amountPaidAfter: paidAfter, remainingAfter };
  });

  const { id: paymentId, amount: paid } = payment;
  if (difference.minor === 0) return { paymentId, tier, payment: paid, allocations, outcome: 'matched', reason: `${reason}; paid in full` };
  if (withinTolerance) {
    const direction = difference.minor < 0 ? 'underpaid' : 'overpaid';
    const amount = { minor: Math.abs(difference.minor), currency };
    return { paymentId, tier, payment: paid, allocations, outcome: 'matched', writeOff: { amount, direction }, reason: `${reason}; ${direction} by ${amount.minor} minor units, within the tolerance, written off` };
  }
  if (difference.minor < 0) {
    const remaining = { minor: -difference.minor, currency };
    return { paymentId, tier, payment: paid, allocations, outcome: 'short_paid', remaining, reason: `${reason}; ${remaining.minor} minor units still due` };
  }
  return { paymentId, tier, payment: paid, allocations, outcome: 'overpaid', surplus: left, reason: `${reason}; ${left.minor} minor units more than was due` };
}
