/**
 * The open invoices, indexed so that each rung of the matching ladder is a few hash look-ups
 * (or a scan of one customer's invoices, capped) instead of a pass over every invoice.
 * Amount indexes are kept current as payments are applied, so partial payments in one batch
 * see what earlier ones left.
 */
import { subtract } from '../money';
import type { MoneyAmount } from '../event';
import { compactReference, stripPrefix } from './reference';
import type { OpenInvoice } from './types';

/**
 * One open invoice as the ladder sees it. A class, so that every state has one shape with all
 * its fields from the start (a million of them live through the run).
 */
export class InvoiceState {
  /** The customer's block, kept here so settling never looks it up again. */
  block: CustomerBlock | undefined = undefined;

  constructor(
    readonly invoice: OpenInvoice,
    /** Position in the input, the last tie-breaker so results never depend on map order. */
    readonly order: number,
    public paid: MoneyAmount,
    public remaining: MoneyAmount,
    /** The normalized number (or id, without a number), for the reference rungs. */
    readonly references: string[],
  ) {}
}

/**
 * A map value holding one state, or several once keys collide. Most keys (ids, numbers,
 * amounts) name one invoice, so this saves an array per key: millions at the sizes the
 * benchmark runs.
 */
type Bucket = InvoiceState | InvoiceState[];

function bucketAdd<K>(map: Map<K, Bucket>, key: K, state: InvoiceState): void {
  const found = map.get(key);
  if (found === undefined) map.set(key, state);
  else if (Array.isArray(found)) found.push(state);
  else map.set(key, [found, state]);
}

function bucketRemove<K>(map: Map<K, Bucket>, key: K, state: InvoiceState): void {
  const found = map.get(key);
  if (found === state) {
    map.delete(key);
  } else if (Array.isArray(found)) {
    const rest = found.filter((entry) => entry !== state);
    if (rest.length === 1) map.set(key, rest[0]);
    else map.set(key, rest);
  }
}

const NONE: readonly InvoiceState[] = [];

/** The states under a key; callers only read the list. */
function bucketList<K>(map: Map<K, Bucket> | undefined, key: K): readonly InvoiceState[] {
  const found = map?.get(key);
  if (found === undefined) return NONE;
  return Array.isArray(found) ? found : [found];
}

/** A customer's invoices in one currency; large customers also get an amount index. */
interface CustomerBlock {
  states: InvoiceState[];
  byAmount?: Map<number, Bucket>;
}

/** Up to this many invoices a customer's block is scanned; beyond it, it is indexed by amount. */
const SCAN_LIMIT = 32;

export class ReconcileInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReconcileInputError';
  }
}

export class InvoiceIndex {
  /** Exact id and number, as the gateway or metadata would carry them. */
  private readonly byKey = new Map<string, Bucket>();
  /** Normalized number (or id, for invoices without one). */
  private readonly byReference = new Map<string, Bucket>();
  /** Distinct normalized lengths of invoice numbers, to look for them inside longer references. */
  readonly referenceLengths: number[];
  /** Hashes of the byReference keys (built on first use), see withReferenceInside. */
  private referenceFilter: Int32Array | undefined;
  /**
   * Per currency, then customer: the block for scans, by due date. Nested maps, so neither
   * indexing nor a look-up builds a combined key string.
   */
  private readonly byCustomer = new Map<string, Map<string, CustomerBlock>>();
  /** Open invoices per currency by the exact amount still due (fuzzy block when the customer is unknown). */
  private readonly byAmount = new Map<string, Map<number, Bucket>>();

  constructor(invoices: readonly OpenInvoice[], prefixes: readonly string[], minContainsLength: number) {
    const lengths = new Set<number>();
    invoices.forEach((invoice, order) => {
      if (bucketList(this.byKey, invoice.id).some((state) => state.invoice.id === invoice.id)) {
        throw new ReconcileInputError(`invoice ${invoice.id} appears twice in the open invoices`);
      }
      const paid = invoice.amountPaid;
      const owed = subtract(invoice.amountDue, paid);
      const remaining = owed.minor > 0 ? owed : { minor: 0, currency: owed.currency };
      const number = invoice.number?.trim();
      const numberForms = number ? normalizedForms(number, prefixes, minContainsLength) : [];
      // People quote the number; the id is normalized only for invoices that have none (an exact
      // id in a reference is still found through byKey).
      const references = numberForms.length > 0 ? numberForms : normalizedForms(invoice.id, prefixes, minContainsLength);
      const state = new InvoiceState(invoice, order, paid, remaining, references);
      bucketAdd(this.byKey, invoice.id, state);
      if (number && number !== invoice.id) bucketAdd(this.byKey, number, state);
      for (const reference of references) bucketAdd(this.byReference, reference, state);
      // Only invoice numbers are looked for inside memos: people type numbers, not internal ids.
      for (const form of numberForms) if (form.length >= minContainsLength) lengths.add(form.length);
      if (invoice.customerId) {
        let customers = this.byCustomer.get(remaining.currency);
        if (customers === undefined) {
          customers = new Map();
          this.byCustomer.set(remaining.currency, customers);
        }
        let block = customers.get(invoice.customerId);
        if (block === undefined) {
          block = { states: [] };
          customers.set(invoice.customerId, block);
        }
        block.states.push(state);
        state.block = block;
      }
      this.indexAmount(state);
    });
    for (const customers of this.byCustomer.values()) {
      for (const block of customers.values()) {
        block.states.sort(byDueDate);
        if (block.states.length > SCAN_LIMIT) {
          block.byAmount = new Map();
          for (const state of block.states) if (state.remaining.minor > 0) bucketAdd(block.byAmount, state.remaining.minor, state);
        }
      }
    }
    this.referenceLengths = [...lengths].sort((a, b) => b - a);
  }

  withKey(key: string): readonly InvoiceState[] {
    return bucketList(this.byKey, key.trim());
  }

  withReference(normalized: string): readonly InvoiceState[] {
    return bucketList(this.byReference, normalized);
  }

  /**
   * The invoices whose normalized reference occurs inside a longer one ("TRANSFERFOR0042..."),
   * for each length invoice numbers have. A window is cut out and looked up only when its
   * rolling hash is in the filter of indexed references; most are not, so most windows cost
   * neither a string nor a map miss.
   */
  withReferenceInside(normalized: string): Set<InvoiceState> {
    const found = new Set<InvoiceState>();
    const filter = this.referenceFilter ??= hashFilter(this.byReference.keys(), this.byReference.size);
    for (const length of this.referenceLengths) {
      if (length >= normalized.length) continue;
      const outgoing = power(length - 1);
      let hash = windowHash(normalized, 0, length);
      for (let start = 0; ; start += 1) {
        if (filterHas(filter, hash)) {
          for (const state of bucketList(this.byReference, normalized.slice(start, start + length))) found.add(state);
        }
        if (start + length >= normalized.length) break;
        hash = (Math.imul(hash - Math.imul(normalized.charCodeAt(start), outgoing), HASH_BASE) + normalized.charCodeAt(start + length)) | 0;
      }
    }
    return found;
  }

  /** The customer's invoices in this currency that still have something due, by due date. */
  openForCustomer(currency: string, customerId: string): InvoiceState[] {
    return (this.byCustomer.get(currency)?.get(customerId)?.states ?? []).filter((state) => state.remaining.minor > 0);
  }

  withCustomerAmount(amount: MoneyAmount, customerId: string): readonly InvoiceState[] {
    const block = this.byCustomer.get(amount.currency)?.get(customerId);
    if (block === undefined || amount.minor <= 0) return [];
    if (block.byAmount) return bucketList(block.byAmount, amount.minor);
    return block.states.filter((state) => state.remaining.minor === amount.minor);
  }

  withAmount(amount: MoneyAmount): readonly InvoiceState[] {
    return bucketList(this.byAmount.get(amount.currency), amount.minor);
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
    let byAmount = this.byAmount.get(state.remaining.currency);
    if (byAmount === undefined) {
      byAmount = new Map();
      this.byAmount.set(state.remaining.currency, byAmount);
    }
    bucketAdd(byAmount, state.remaining.minor, state);
    if (state.block?.byAmount) bucketAdd(state.block.byAmount, state.remaining.minor, state);
  }

  private unindexAmount(state: InvoiceState): void {
    if (state.remaining.minor <= 0) return;
    const byAmount = this.byAmount.get(state.remaining.currency);
    if (byAmount) bucketRemove(byAmount, state.remaining.minor, state);
    if (state.block?.byAmount) bucketRemove(state.block.byAmount, state.remaining.minor, state);
  }
}

/**
 * A number or id normalized without its prefix ("INV-0042" -> "0042"), and also with it when
 * the short form is too short to look for inside a memo: "INV300" is distinctive there where
 * "300" is not. (A reference equal to the whole form normalizes to the short one anyway.)
 */
function normalizedForms(value: string, prefixes: readonly string[], minContainsLength: number): string[] {
  const whole = compactReference(value);
  if (whole === '') return [];
  const stripped = stripPrefix(whole, prefixes);
  return stripped === whole || stripped.length >= minContainsLength ? [stripped] : [stripped, whole];
}

/** Polynomial string hash, mod 2^32, so that a window's hash can roll one character on. */
const HASH_BASE = 0x01000193;

function power(exponent: number): number {
  let result = 1;
  for (let i = 0; i < exponent; i += 1) result = Math.imul(result, HASH_BASE);
  return result;
}

function windowHash(value: string, start: number, length: number): number {
  let hash = 0;
  for (let i = start; i < start + length; i += 1) hash = (Math.imul(hash, HASH_BASE) + value.charCodeAt(i)) | 0;
  return hash;
}

/** A one-hash Bloom filter: 16 bits per key, so about one window in sixteen is looked up in vain. */
function hashFilter(keys: Iterable<string>, count: number): Int32Array {
  let bits = 1024;
  while (bits < count * 16) bits *= 2;
  const filter = new Int32Array(bits / 32);
  for (const key of keys) {
    const bit = filterBit(filter, windowHash(key, 0, key.length));
    filter[bit >>> 5] |= 1 << (bit & 31);
  }
  return filter;
}

/** Spreads the hash over the filter's bits (the low bits of a polynomial hash are weak). */
function filterBit(filter: Int32Array, hash: number): number {
  let mixed = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  mixed ^= mixed >>> 16;
  return mixed & (filter.length * 32 - 1);
}

function filterHas(filter: Int32Array, hash: number): boolean {
  const bit = filterBit(filter, hash);
  return (filter[bit >>> 5] & (1 << (bit & 31))) !== 0;
}

/** Earliest due date first (undated last), then input order. */
export function byDueDate(a: InvoiceState, b: InvoiceState): number {
  const left = a.invoice.dueDate ?? Number.POSITIVE_INFINITY;
  const right = b.invoice.dueDate ?? Number.POSITIVE_INFINITY;
  if (left !== right) return left < right ? -1 : 1;
  return a.order - b.order;
}
