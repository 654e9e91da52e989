/**
 * Reconciles payments against open invoices: one result per payment, in input order.
 *
 * Payments are applied in the order given, so partial payments in one batch see what the
 * earlier ones left (N:1). Across executions the invoice's `amountPaid` carries that state,
 * and `seenPaymentIds` carries the payments already processed (duplicates).
 */
import type { InvoiceState } from './invoice-index';
import { InvoiceIndex } from './invoice-index';
import { findMatch, type LadderContext } from './ladder';
import { preparePrefixes } from './reference';
import { settle } from './settle';
import type { CandidateSummary, OpenInvoice, Payment, ReconcileOptions, ReconcileResult } from './types';
import { DEFAULT_OPTIONS } from './types';

const summary = (state: InvoiceState): CandidateSummary => ({
  invoiceId: state.invoice.id,
  ...(state.invoice.number !== undefined && { invoiceNumber: state.invoice.number }),
  ...(state.invoice.customerId !== undefined && { customerId: state.invoice.customerId }),
  remaining: state.remaining,
});

/** Why a payment applies nothing: its outcome, the reason, and for a duplicate where it was seen. */
interface Unapplied {
  outcome: 'unmatched' | 'duplicate';
  reason: string;
  duplicateOf?: ReconcileResult['duplicateOf'];
}

/** A result that applies nothing (a literal, not spreads: it is built for every such payment). */
function unapplied(payment: Payment, { outcome, reason, duplicateOf }: Unapplied): ReconcileResult {
  const { id: paymentId, amount } = payment;
  return duplicateOf === undefined
    ? { paymentId, payment: amount, allocations: [], unapplied: amount, outcome, reason }
    : { paymentId, payment: amount, allocations: [], unapplied: amount, outcome, duplicateOf, reason };
}

export class Reconciler {
  private readonly context: LadderContext;
  private readonly seenEarlier: Set<string>;
  private readonly seenInBatch = new Set<string>();

  constructor(invoices: readonly OpenInvoice[], options: Partial<ReconcileOptions> = {}) {
    const merged: ReconcileOptions = { ...DEFAULT_OPTIONS, ...options };
    const prefixes = preparePrefixes(merged.referencePrefixes);
    this.context = { index: new InvoiceIndex(invoices, prefixes, merged.minContainsLength), options: merged, prefixes };
    this.seenEarlier = new Set(merged.seenPaymentIds);
  }

  /** Matches one payment and applies it to the invoice(s) it settles. */
  reconcile(payment: Payment): ReconcileResult {
    const duplicateOf = this.seenEarlier.has(payment.id) ? 'earlier run' : this.seenInBatch.has(payment.id) ? 'this batch' : undefined;
    if (duplicateOf) {
      return unapplied(payment, { outcome: 'duplicate', reason: `payment ${payment.id} was already processed in ${duplicateOf}`, duplicateOf });
    }
    this.seenInBatch.add(payment.id);
    if (payment.amount.minor <= 0) {
      return unapplied(payment, { outcome: 'unmatched', reason: 'only payments of more than zero are matched (a refund or reversal is not a payment of an invoice)' });
    }

    const match = findMatch(this.context, payment);
    switch (match.kind) {
      case 'invoices':
        return settle(this.context, payment, match);
      case 'ambiguous':
      case 'currency_mismatch':
        return {
          paymentId: payment.id, payment: payment.amount, allocations: [], unapplied: payment.amount,
          outcome: match.kind, tier: match.tier, reason: match.reason, candidates: match.candidates.map(summary),
        };
      case 'none':
        return unapplied(payment, { outcome: 'unmatched', reason: match.reason });
    }
  }
}

export function reconcile(
  payments: readonly Payment[],
  invoices: readonly OpenInvoice[],
  options: Partial<ReconcileOptions> = {},
): ReconcileResult[] {
  const reconciler = new Reconciler(invoices, options);
  return payments.map((payment) => reconciler.reconcile(payment));
}
