/**
 * Reconciliation: matching incoming payments to open invoices. Every amount is integer minor
 * units (ISO 4217 exponent) and every sum goes through core/money.ts.
 */
import type { MoneyAmount } from '../event';

/** A payment to match: built from a canonical event or from a plain record (see inputs.ts). */
export interface Payment {
  /** Identity used for duplicate detection: the gateway's payment id where known. */
  id: string;
  amount: MoneyAmount;
  /** Free text the payer or gateway attached: invoice number, order id, bank transfer memo. */
  reference?: string;
  customerId?: string;
  /** Epoch milliseconds; undefined when unknown (the date window is then not applied). */
  date?: number;
  /** The invoice id the gateway itself links the payment to (Stripe `invoice`, PayPal `invoice_id`). */
  invoiceId?: string;
  /** Gateway metadata (string values only), searched for the configured metadata keys. */
  metadata?: Record<string, string>;
}

/**
 * An open invoice. `amountPaid` carries what earlier payments (earlier executions) already
 * settled, which is how partial payments accumulate across workflow runs.
 */
export interface OpenInvoice {
  id: string;
  number?: string;
  customerId?: string;
  /** The invoice total to be paid, in minor units of `currency`. */
  amountDue: MoneyAmount;
  /** Already paid against it, same currency; 0 when absent. */
  amountPaid: MoneyAmount;
  /** Epoch milliseconds. */
  dueDate?: number;
}

export const OUTCOMES = [
  'matched',
  'short_paid',
  'overpaid',
  'unmatched',
  'duplicate',
  'ambiguous',
  'currency_mismatch',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The rungs of the matching ladder, in the order they are tried. */
export const TIERS = [
  'provider_key',
  'reference_exact',
  'reference_contains',
  'reference_fuzzy',
  'amount_customer_date',
  'tolerance',
  'group_subset',
  'customer_single_open',
] as const;
export type Tier = (typeof TIERS)[number];

export interface ReconcileOptions {
  /** Metadata keys whose value names the invoice (by id or number). */
  metadataKeys: string[];
  /** Prefixes stripped from references and invoice numbers before comparing (`INV`, `INVOICE`). */
  referencePrefixes: string[];
  /** Shortest normalized invoice number looked for inside a longer reference. */
  minContainsLength: number;
  /** Edit distance allowed, as a share of the longer string (0.2 = one edit per five characters). */
  maxEditRatio: number;
  /** How far (days) a payment date may lie from the invoice due date for amount-based tiers. */
  dateWindowDays: number;
  /** Tolerance band: absolute minor units... */
  toleranceMinor: number;
  /** ...and/or basis points of the amount still due; the larger of the two applies. */
  toleranceBps: number;
  /** Most invoices of one customer considered for 1:N subsets (2^n subsets at most). */
  maxGroupCandidates: number;
  /** Most invoices compared in a fuzzy or tolerance scan of one customer (bounds the work). */
  maxScanCandidates: number;
  /** Payment ids already processed in earlier executions. */
  seenPaymentIds: Iterable<string>;
}

export const DEFAULT_OPTIONS: ReconcileOptions = {
  metadataKeys: ['invoice_id', 'invoiceId', 'invoice_number', 'invoiceNumber', 'invoice'],
  referencePrefixes: ['INVOICE', 'INV', 'NO', 'NR', 'REF'],
  minContainsLength: 4,
  maxEditRatio: 0.2,
  dateWindowDays: 45,
  toleranceMinor: 0,
  toleranceBps: 0,
  maxGroupCandidates: 10,
  maxScanCandidates: 200,
  seenPaymentIds: [],
};

/** What one invoice received from one payment. */
export interface Allocation {
  invoiceId: string;
  invoiceNumber?: string;
  amount: MoneyAmount;
  /** The invoice's amountPaid after this payment: write it back so the next run continues from it. */
  amountPaidAfter: MoneyAmount;
  /** What is still owed on the invoice afterwards (0 when settled). */
  remainingAfter: MoneyAmount;
}

export interface CandidateSummary {
  invoiceId: string;
  invoiceNumber?: string;
  customerId?: string;
  remaining: MoneyAmount;
}

/**
 * One result per payment. Invariant: payment.minor = sum(allocations) + surplus + unapplied
 * (the absent ones count as zero); a write-off is booked on the invoice, not taken from the payment.
 */
export interface ReconcileResult {
  paymentId: string;
  outcome: Outcome;
  /** The rung that found the invoice(s); absent for duplicates and unmatched payments. */
  tier?: Tier;
  /** Why, in words a person can check. */
  reason: string;
  payment: MoneyAmount;
  allocations: Allocation[];
  /** short_paid: what the invoice(s) still need. */
  remaining?: MoneyAmount;
  /** overpaid: what the payment left over. */
  surplus?: MoneyAmount;
  /** matched within tolerance: the difference written off, and which way it went. */
  writeOff?: { amount: MoneyAmount; direction: 'underpaid' | 'overpaid' };
  /** Not applied to any invoice: unmatched, duplicate, ambiguous, currency_mismatch. */
  unapplied?: MoneyAmount;
  /** ambiguous and currency_mismatch: the invoices considered. */
  candidates?: CandidateSummary[];
  /** duplicate: where it was seen before (`this batch` or `earlier run`). */
  duplicateOf?: 'this batch' | 'earlier run';
}
