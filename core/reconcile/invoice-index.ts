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
  /** The normalized number (or id, without a number), for the reference rungs; set with that index. */
  references: readonly string[] = NONE_TEXT;
  /** The customer's block, kept here so settling never looks it up again; set with that index. */
  block: CustomerBlock | undefined = undefined;

  constructor(
    readonly invoice: OpenInvoice,
    /** Position in the input, the last tie-breaker so results never depend on map order. */
    readonly order: number,
    public paid: MoneyAmount,
    public remaining: MoneyAmount,
  ) {}
}

const NONE_TEXT: readonly string[] = [];

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

const NONE: readonly InvoiceState[] = [];

/** The states under a key; callers only read the list. */
function bucketList<K>(map: Map<K, Bucket> | undefined, key: K): readonly InvoiceState[] {
  const found = map?.get(key);
  if (found === undefined) return NONE;
  return Array.isArray(found) ? found : [found];
}

/**
 * Open invoices by the exact amount still due. Amounts due only go down, so instead of moving
 * an invoice on every payment it is filed again under each new amount a partial payment leaves,
 * and a look-up keeps those still due that amount: settling in full costs no map operation.
 */
class AmountIndex {
  private readonly byMinor = new Map<number, Bucket>();

  /** Files the state under its current amount due (nothing when settled). */
  add(state: InvoiceState): void {
    if (state.remaining.minor > 0) bucketAdd(this.byMinor, state.remaining.minor, state);
  }

  with(minor: number): readonly InvoiceState[] {
    const found = this.byMinor.get(minor);
    if (found === undefined) return NONE;
    if (!Array.isArray(found)) return found.remaining.minor === minor ? [found] : NONE;
    return found.filter((state) => state.remaining.minor === minor);
  }
}

/** A customer's invoices in one currency; large customers also get an amount index. */
interface CustomerBlock {
  states: InvoiceState[];
  byAmount?: AmountIndex;
}

/** Up to this many invoices a customer's block is scanned; beyond it, it is indexed by amount. */
const SCAN_LIMIT = 32;

export class ReconcileInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReconcileInputError';
  }
}

/**
 * The reference, customer and amount indexes are built the first time a rung needs them, from
 * the invoices as they stand then: a batch that only ever matches by invoice id (a Stripe
 * feed) never pays for them.
 */
export class InvoiceIndex {
  private readonly states: InvoiceState[];
  /** Exact id and number, as the gateway or metadata would carry them (ids are unique). */
  private readonly byId = new Map<string, InvoiceState>();
  private readonly byNumber = new Map<string, Bucket>();
  private references?: ReferenceIndex;
  /** Hashes of the normalized references (built on first use), see withReferenceInside. */
  private referenceFilter?: Int32Array;
  /** Per currency, then customer: the block for scans, by due date (no combined key strings). */
  private byCustomer?: Map<string, Map<string, CustomerBlock>>;
  /** Open invoices per currency by the exact amount still due (fuzzy block when the customer is unknown). */
  private byAmount?: Map<string, AmountIndex>;

  constructor(invoices: readonly OpenInvoice[], private readonly prefixes: readonly string[], private readonly minContainsLength: number) {
    this.states = invoices.map((invoice, order) => {
      if (this.byId.has(invoice.id)) throw new ReconcileInputError(`invoice ${invoice.id} appears twice in the open invoices`);
      const paid = invoice.amountPaid;
      const owed = subtract(invoice.amountDue, paid);
      const remaining = owed.minor > 0 ? owed : { minor: 0, currency: owed.currency };
      const state = new InvoiceState(invoice, order, paid, remaining);
      this.byId.set(invoice.id, state);
      const number = invoice.number?.trim();
      if (number && number !== invoice.id) bucketAdd(this.byNumber, number, state);
      return state;
    });
  }

  /** The invoice with this id and those with this number (one key can be both). */
  withKey(key: string): readonly InvoiceState[] {
    const trimmed = key.trim();
    const byId = this.byId.get(trimmed);
    const byNumber = bucketList(this.byNumber, trimmed);
    if (byId === undefined) return byNumber;
    return byNumber.length === 0 ? [byId] : [byId, ...byNumber];
  }

  withReference(normalized: string): readonly InvoiceState[] {
    return bucketList(this.referenceIndex().byReference, normalized);
  }

  /** The normalized number (or id) forms of one invoice, for fuzzy comparison. */
  referencesOf(state: InvoiceState): readonly string[] {
    this.referenceIndex();
    return state.references;
  }

  /**
   * The invoices whose normalized reference occurs inside a longer one ("TRANSFERFOR0042..."),
   * for each length invoice numbers have. A window is cut out and looked up only when its
   * rolling hash is in the filter of indexed references; most are not, so most windows cost
   * neither a string nor a map miss.
   */
  withReferenceInside(normalized: string): Set<InvoiceState> {
    const { byReference, lengths } = this.referenceIndex();
    const found = new Set<InvoiceState>();
    const filter = this.referenceFilter ??= hashFilter(byReference.keys(), byReference.size);
    for (const length of lengths) {
      if (length >= normalized.length) continue;
      const outgoing = power(length - 1);
      let hash = windowHash(normalized, 0, length);
      for (let start = 0; ; start += 1) {
        if (filterHas(filter, hash)) {
          for (const state of bucketList(byReference, normalized.slice(start, start + length))) found.add(state);
        }
        if (start + length >= normalized.length) break;
        hash = (Math.imul(hash - Math.imul(normalized.charCodeAt(start), outgoing), HASH_BASE) + normalized.charCodeAt(start + length)) | 0;
      }
    }
    return found;
  }

  /** The customer's invoices in this currency that still have something due, by due date. */
  openForCustomer(currency: string, customerId: string): InvoiceState[] {
    return (this.customerIndex().get(currency)?.get(customerId)?.states ?? []).filter((state) => state.remaining.minor > 0);
  }

  withCustomerAmount(amount: MoneyAmount, customerId: string): readonly InvoiceState[] {
    const block = this.customerIndex().get(amount.currency)?.get(customerId);
    if (block === undefined || amount.minor <= 0) return [];
    if (block.byAmount) return block.byAmount.with(amount.minor);
    return block.states.filter((state) => state.remaining.minor === amount.minor);
  }

  withAmount(amount: MoneyAmount): readonly InvoiceState[] {
    return this.amountIndex().get(amount.currency)?.with(amount.minor) ?? NONE;
  }

  /** Records a payment on the invoice; a new amount still due is filed in the amount indexes. */
  settle(state: InvoiceState, paid: MoneyAmount, remaining: MoneyAmount): void {
    const before = state.remaining.minor;
    state.paid = paid;
    state.remaining = remaining.minor >= 0 ? remaining : { minor: 0, currency: remaining.currency };
    if (state.remaining.minor === before) return;
    this.byAmount?.get(state.remaining.currency)?.add(state);
    state.block?.byAmount?.add(state);
  }

  private referenceIndex(): ReferenceIndex {
    if (this.references) return this.references;
    const byReference = new Map<string, Bucket>();
    const lengths = new Set<number>();
    const { prefixes, minContainsLength } = this;
    for (const state of this.states) {
      const { invoice } = state;
      const number = invoice.number?.trim();
      const numberForms = number ? normalizedForms(number, prefixes, minContainsLength) : [];
      // People quote the number; the id is normalized only for invoices that have none (an exact
      // id in a reference is still found through withKey).
      state.references = numberForms.length > 0 ? numberForms : normalizedForms(invoice.id, prefixes, minContainsLength);
      for (const reference of state.references) bucketAdd(byReference, reference, state);
      // Only invoice numbers are looked for inside memos: people type numbers, not internal ids.
      for (const form of numberForms) if (form.length >= minContainsLength) lengths.add(form.length);
    }
    this.references = { byReference, lengths: [...lengths].sort((a, b) => b - a) };
    return this.references;
  }

  private customerIndex(): Map<string, Map<string, CustomerBlock>> {
    if (this.byCustomer) return this.byCustomer;
    const byCustomer = new Map<string, Map<string, CustomerBlock>>();
    for (const state of this.states) {
      const { customerId } = state.invoice;
      if (!customerId) continue;
      let customers = byCustomer.get(state.remaining.currency);
      if (customers === undefined) {
        customers = new Map();
        byCustomer.set(state.remaining.currency, customers);
      }
      let block = customers.get(customerId);
      if (block === undefined) {
        block = { states: [] };
        customers.set(customerId, block);
      }
      block.states.push(state);
      state.block = block;
    }
    for (const customers of byCustomer.values()) {
      for (const block of customers.values()) {
        block.states.sort(byDueDate);
        if (block.states.length > SCAN_LIMIT) {
          const byAmount = new AmountIndex();
          for (const state of block.states) byAmount.add(state);
          block.byAmount = byAmount;
        }
      }
    }
    this.byCustomer = byCustomer;
    return byCustomer;
  }

  private amountIndex(): Map<string, AmountIndex> {
    if (this.byAmount) return this.byAmount;
    const byAmount = new Map<string, AmountIndex>();
    for (const state of this.states) {
      if (state.remaining.minor <= 0) continue;
      let index = byAmount.get(state.remaining.currency);
      if (index === undefined) {
        index = new AmountIndex();
        byAmount.set(state.remaining.currency, index);
      }
      index.add(state);
    }
    this.byAmount = byAmount;
    return byAmount;
  }
}

/** Normalized number (or id, for invoices without one), and the lengths numbers have. */
interface ReferenceIndex {
  byReference: Map<string, Bucket>;
  /** Distinct normalized lengths of invoice numbers, to look for them inside longer references. */
  lengths: number[];
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
