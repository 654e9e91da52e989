/**
 * The open invoices, indexed so that each rung of the matching ladder is a few hash look-ups
 * (or a scan of one customer's invoices, capped) instead of a pass over every invoice.
 * Amount indexes are kept current as payments are applied, so partial payments in one batch
 * see what earlier ones left.
 */
import { subtract } from '../money';
import type { MoneyAmount } from '../event';
import { normalizeReference } from './reference';
import type { OpenInvoice } from './types';

export interface InvoiceState {
  invoice: OpenInvoice;
  /** Position in the input, the last tie-breaker so results never depend on map order. */
  order: number;
  paid: MoneyAmount;
  remaining: MoneyAmount;
  /** Normalized number and id, for the reference rungs. */
  references: string[];
}

const customerKey = (currency: string, customerId: string): string => `${currency}:${customerId}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Buckets are tiny (invoices due the same exact amount), so an array beats a Set here. */
function remove<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) return;
  const at = list.indexOf(value);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) map.delete(key);
}

export class ReconcileInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReconcileInputError';
  }
}

export class InvoiceIndex {
  /** Exact id and number, as the gateway or metadata would carry them. */
  private readonly byKey = new Map<string, InvoiceState[]>();
  /** Normalized number and id. */
  private readonly byReference = new Map<string, InvoiceState[]>();
  /** Distinct normalized lengths, to look for invoice numbers inside longer references. */
  readonly referenceLengths: number[];
  /** A customer's invoices in one currency, by due date: the block for scans. */
  private readonly byCustomer = new Map<string, InvoiceState[]>();
  /** Open invoices by currency and customer, then by the exact amount still due (number keys hash fastest). */
  private readonly byCustomerAmount = new Map<string, Map<number, InvoiceState[]>>();
  /** Open invoices by currency, then exact amount still due (fuzzy block when the customer is unknown). */
  private readonly byAmount = new Map<string, Map<number, InvoiceState[]>>();

  constructor(invoices: readonly OpenInvoice[], prefixes: readonly string[], minContainsLength: number) {
    const lengths = new Set<number>();
    const ids = new Set<string>();
    invoices.forEach((invoice, order) => {
      if (ids.has(invoice.id)) throw new ReconcileInputError(`invoice ${invoice.id} appears twice in the open invoices`);
      ids.add(invoice.id);
      const paid = invoice.amountPaid;
      const owed = subtract(invoice.amountDue, paid);
      const remaining = owed.minor > 0 ? owed : { minor: 0, currency: owed.currency };
      const number = invoice.number?.trim();
      const numberForms = number ? normalizedForms(number, prefixes) : [];
      const references = [...numberForms];
      for (const form of normalizedForms(invoice.id, prefixes)) if (!references.includes(form)) references.push(form);
      const state: InvoiceState = { invoice, order, paid, remaining, references };
      push(this.byKey, invoice.id, state);
      if (number && number !== invoice.id) push(this.byKey, number, state);
      for (const reference of references) push(this.byReference, reference, state);
      // Only invoice numbers are looked for inside memos: people type numbers, not internal ids.
      for (const form of numberForms) if (form.length >= minContainsLength) lengths.add(form.length);
      if (invoice.customerId) push(this.byCustomer, customerKey(remaining.currency, invoice.customerId), state);
      this.indexAmount(state);
    });
    for (const list of this.byCustomer.values()) list.sort(byDueDate);
    this.referenceLengths = [...lengths].sort((a, b) => b - a);
  }

  withKey(key: string): readonly InvoiceState[] {
    return this.byKey.get(key.trim()) ?? [];
  }

  withReference(normalized: string): readonly InvoiceState[] {
    return this.byReference.get(normalized) ?? [];
  }

  /** The customer's invoices in this currency that still have something due, by due date. */
  openForCustomer(currency: string, customerId: string): InvoiceState[] {
    return (this.byCustomer.get(customerKey(currency, customerId)) ?? []).filter((state) => state.remaining.minor > 0);
  }

  withCustomerAmount(amount: MoneyAmount, customerId: string): readonly InvoiceState[] {
    return [...(this.byCustomerAmount.get(customerKey(amount.currency, customerId))?.get(amount.minor) ?? [])];
  }

  withAmount(amount: MoneyAmount): readonly InvoiceState[] {
    return [...(this.byAmount.get(amount.currency)?.get(amount.minor) ?? [])];
  }

  /** Records a payment on the invoice and moves it in the amount indexes. */
  settle(state: InvoiceState, paid: MoneyAmount, remaining: MoneyAmount): void {
    this.unindexAmount(state);
    state.paid = paid;
    state.remaining = remaining.minor > 0 ? remaining : { minor: 0, currency: remaining.currency };
    this.indexAmount(state);
  }

  private indexAmount(state: InvoiceState): void {
    if (state.remaining.minor <= 0) return;
    push(inner(this.byAmount, state.remaining.currency), state.remaining.minor, state);
    const customerId = state.invoice.customerId;
    if (customerId) push(inner(this.byCustomerAmount, customerKey(state.remaining.currency, customerId)), state.remaining.minor, state);
  }

  private unindexAmount(state: InvoiceState): void {
    if (state.remaining.minor <= 0) return;
    const byAmount = this.byAmount.get(state.remaining.currency);
    if (byAmount) remove(byAmount, state.remaining.minor, state);
    const customerId = state.invoice.customerId;
    const byCustomer = customerId ? this.byCustomerAmount.get(customerKey(state.remaining.currency, customerId)) : undefined;
    if (byCustomer) remove(byCustomer, state.remaining.minor, state);
  }
}

function inner<V>(map: Map<string, Map<number, V>>, key: string): Map<number, V> {
  let found = map.get(key);
  if (found === undefined) {
    found = new Map();
    map.set(key, found);
  }
  return found;
}

/**
 * A number or id normalized with and without its prefix: "INV300" is distinctive inside a
 * memo where "300" is not.
 */
function normalizedForms(value: string, prefixes: readonly string[]): string[] {
  const stripped = normalizeReference(value, prefixes);
  const whole = normalizeReference(value, []);
  return [stripped, whole].filter((form, index, forms) => form !== '' && forms.indexOf(form) === index);
}

/** Earliest due date first (undated last), then input order. */
export function byDueDate(a: InvoiceState, b: InvoiceState): number {
  const left = a.invoice.dueDate ?? Number.POSITIVE_INFINITY;
  const right = b.invoice.dueDate ?? Number.POSITIVE_INFINITY;
  if (left !== right) return left < right ? -1 : 1;
  return a.order - b.order;
}
