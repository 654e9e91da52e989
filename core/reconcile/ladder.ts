/**
 * The matching ladder. Each rung looks for candidate invoices; the first rung that finds any
 * decides: one best-scoring candidate (or group) is a match, several scoring alike are
 * `ambiguous`, never a guess. Lower rungs are only tried when the ones above found nothing.
 */
import type { MoneyAmount } from '../event';
import { add, allocate, compare, subtract } from '../money';
import { byDueDate, type InvoiceIndex, type InvoiceState } from './invoice-index';
import { boundedEditDistance, editLimit, normalizeReference, splitReferenceList } from './reference';
import type { Payment, ReconcileOptions, Tier } from './types';

export type Match =
  | { kind: 'invoices'; tier: Tier; invoices: InvoiceState[]; reason: string }
  | { kind: 'ambiguous'; tier: Tier; candidates: InvoiceState[]; reason: string }
  | { kind: 'currency_mismatch'; tier: Tier; candidates: InvoiceState[]; reason: string }
  | { kind: 'none'; reason: string };

export interface LadderContext {
  index: InvoiceIndex;
  options: ReconcileOptions;
  /** Prefixes as normalizeReference wants them (preparePrefixes). */
  prefixes: string[];
}

const DAY_MS = 86_400_000;

interface Scored {
  state: InvoiceState;
  /** Compared element by element, lower is better. */
  score: number[];
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The best candidates: one when it scores strictly best, all that tie with it otherwise. */
function best(scored: Scored[]): InvoiceState[] {
  if (scored.length === 1) return [scored[0].state];
  const unique = new Map<InvoiceState, Scored>();
  for (const entry of scored) {
    const seen = unique.get(entry.state);
    if (seen === undefined || compareScores(entry.score, seen.score) < 0) unique.set(entry.state, entry);
  }
  const sorted = [...unique.values()].sort((a, b) => compareScores(a.score, b.score) || a.state.order - b.state.order);
  return sorted.filter((entry) => compareScores(entry.score, sorted[0].score) === 0).map((entry) => entry.state);
}

/** 0 when the payment's customer is the invoice's, 1 when either is unknown, 2 when they differ. */
function customerScore(state: InvoiceState, payment: Payment): number {
  if (payment.customerId === undefined || state.invoice.customerId === undefined) return 1;
  return payment.customerId === state.invoice.customerId ? 0 : 2;
}

function currencyScore(state: InvoiceState, payment: Payment): number {
  return state.remaining.currency === payment.amount.currency ? 0 : 1;
}

function dayDistance(state: InvoiceState, payment: Payment): number {
  if (payment.date === undefined || state.invoice.dueDate === undefined) return 0;
  return Math.round(Math.abs(payment.date - state.invoice.dueDate) / DAY_MS);
}

function inWindow(state: InvoiceState, payment: Payment, options: ReconcileOptions): boolean {
  return dayDistance(state, payment) <= options.dateWindowDays;
}

const label = (state: InvoiceState): string => state.invoice.number ?? state.invoice.id;
const labels = (states: InvoiceState[]): string => states.map(label).join(', ');

function sum(states: InvoiceState[], currency: string): MoneyAmount {
  return states.reduce((total, state) => add(total, state.remaining), { minor: 0, currency });
}

/** The tolerance band around an amount still due: the larger of the absolute and the bps limits. */
export function toleranceFor(remaining: MoneyAmount, options: ReconcileOptions): number {
  const bps = options.toleranceBps > 0 && remaining.minor > 0
    ? allocate(remaining, [options.toleranceBps, Math.max(0, 10_000 - options.toleranceBps)])[0].minor
    : 0;
  return Math.max(options.toleranceMinor, bps);
}

/** What an identifying rung looked for: its tier, the payment, and how the reason words the finding. */
interface Finding {
  tier: Tier;
  payment: Payment;
  how: string;
}

/** An identifying rung (key or reference) that found candidates: match, mismatch or ambiguity. */
function identified(scored: Scored[], finding: Finding): Match | undefined {
  if (scored.length === 0) return undefined;
  return named(best(scored), finding);
}

/** identified() for candidates scored by currency and customer; a single one needs no scores. */
function identifiedStates(states: readonly InvoiceState[], finding: Finding): Match | undefined {
  if (states.length === 1) return named([states[0]], finding);
  return identified(states.map((state) => identityScore(state, finding.payment)), finding);
}

/** The best candidates of an identifying rung as a match, a currency mismatch or an ambiguity. */
function named(top: InvoiceState[], { tier, payment, how }: Finding): Match {
  if (top.length > 1) {
    return { kind: 'ambiguous', tier, candidates: top, reason: `${how} fits ${top.length} invoices equally: ${labels(top)}` };
  }
  const [state] = top;
  if (state.remaining.currency !== payment.amount.currency) {
    return {
      kind: 'currency_mismatch',
      tier,
      candidates: top,
      reason: `${how} names invoice ${label(state)}, which is in ${state.remaining.currency}, but the payment is in ${payment.amount.currency}`,
    };
  }
  return { kind: 'invoices', tier, invoices: top, reason: `${how} names invoice ${label(state)}` };
}

const identityScore = (state: InvoiceState, payment: Payment): Scored => ({
  state,
  score: [currencyScore(state, payment), customerScore(state, payment)],
});

/** A key the payment carries (the gateway's invoice id, or a metadata value), looked up exactly. */
interface CarriedKey {
  key: string;
  /** The metadata entry the key was read from; absent for the gateway's invoice id. */
  metadataKey?: string;
}

function keyMatch(index: InvoiceIndex, payment: Payment, { key, metadataKey }: CarriedKey): Match | undefined {
  const found = index.withKey(key);
  if (found.length === 0) return undefined;
  const how = metadataKey === undefined ? 'the invoice id in the event' : `metadata "${metadataKey}"`;
  return identifiedStates(found, { tier: 'provider_key', payment, how: `${how} (${key})` });
}

function providerKey({ index, options }: LadderContext, payment: Payment): Match | undefined {
  if (payment.invoiceId) {
    const match = keyMatch(index, payment, { key: payment.invoiceId });
    if (match) return match;
  }
  if (!payment.metadata) return undefined;
  for (const key of options.metadataKeys) {
    const value = payment.metadata[key];
    if (!value) continue;
    const match = keyMatch(index, payment, { key: value, metadataKey: key });
    if (match) return match;
  }
  return undefined;
}

/** The payment's reference as written (trimmed) and as normalizeReference gives it. */
interface Reference {
  text: string;
  normalized: string;
}

function referenceExact({ index, prefixes }: LadderContext, payment: Payment, { text: reference, normalized }: Reference): Match | undefined {
  const parts = splitReferenceList(reference);
  if (parts.length > 1) {
    const found = parts.map((part) => best(index.withReference(normalizeReference(part, prefixes)).map((s) => identityScore(s, payment))));
    const states = [...new Set(found.map((top) => top[0]))];
    const allFound = found.every((top) => top.length === 1 && top[0].remaining.currency === payment.amount.currency);
    if (allFound && states.length > 1) {
      return { kind: 'invoices', tier: 'reference_exact', invoices: states.sort(byDueDate), reason: `the reference lists invoices ${labels(states)}` };
    }
  }
  const byNumber = index.withReference(normalized);
  const byKey = index.withKey(reference);
  const candidates = byKey.length === 0 ? byNumber : byNumber.length === 0 ? byKey : [...byNumber, ...byKey];
  return identifiedStates(candidates, { tier: 'reference_exact', payment, how: `the reference "${reference}"` });
}

function referenceContains({ index, options }: LadderContext, payment: Payment, { text: reference, normalized }: Reference): Match | undefined {
  const found = index.withReferenceInside(normalized);
  if (found.size === 0) return undefined;
  const scored = [...found].map((state) => identityScore(state, payment));
  const top = best(scored);
  // Several invoice numbers inside one reference that add up to the payment: one payment for all of them.
  if (top.length > 1 && top.length <= options.maxGroupCandidates && top.every((s) => s.remaining.currency === payment.amount.currency)
    && compare(sum(top, payment.amount.currency), payment.amount) === 0) {
    const invoices = top.sort(byDueDate);
    return { kind: 'invoices', tier: 'reference_contains', invoices, reason: `the reference contains invoices ${labels(invoices)}, which add up to the payment` };
  }
  return identified(scored, { tier: 'reference_contains', payment, how: `the reference "${reference}" contains the number of` });
}

/** The invoices a fuzzy comparison may look at: the customer's, or those due the exact amount. */
function fuzzyBlock({ index, options }: LadderContext, payment: Payment): InvoiceState[] {
  const block = payment.customerId
    ? index.openForCustomer(payment.amount.currency, payment.customerId)
    : [...index.withAmount(payment.amount)].sort(byDueDate);
  return block.slice(0, options.maxScanCandidates);
}

function referenceFuzzy(context: LadderContext, payment: Payment, { text: reference, normalized }: Reference): Match | undefined {
  const { index, options } = context;
  if (normalized.length < options.minContainsLength) return undefined;
  const scored: Scored[] = [];
  for (const state of fuzzyBlock(context, payment)) {
    for (const candidate of index.referencesOf(state)) {
      const limit = editLimit(normalized, candidate, options.maxEditRatio);
      if (limit < 1) continue;
      const distance = boundedEditDistance(normalized, candidate, limit);
      if (distance <= limit) scored.push({ state, score: [currencyScore(state, payment), distance, customerScore(state, payment)] });
    }
  }
  const how = `the reference "${reference}" is within ${Math.round(options.maxEditRatio * 100)}% edits of the number of`;
  return identified(scored, { tier: 'reference_fuzzy', payment, how });
}

function amountCustomerDate({ index, options }: LadderContext, payment: Payment): Match | undefined {
  if (!payment.customerId) return undefined;
  const scored = index.withCustomerAmount(payment.amount, payment.customerId)
    .filter((state) => inWindow(state, payment, options))
    .map((state) => ({ state, score: [dayDistance(state, payment)] }));
  if (scored.length === 0) return undefined;
  const top = best(scored);
  if (top.length > 1) {
    return { kind: 'ambiguous', tier: 'amount_customer_date', candidates: top, reason: `${top.length} invoices of customer ${payment.customerId} are due exactly this amount, equally close in date: ${labels(top)}` };
  }
  return { kind: 'invoices', tier: 'amount_customer_date', invoices: top, reason: `the amount, currency and customer equal invoice ${label(top[0])}, due within ${options.dateWindowDays} days of the payment` };
}

/** The customer's open invoices in the payment's currency within the date window, capped. */
function customerWindow({ index, options }: LadderContext, payment: Payment, cap: number): InvoiceState[] {
  if (!payment.customerId) return [];
  return index.openForCustomer(payment.amount.currency, payment.customerId)
    .filter((state) => inWindow(state, payment, options))
    .slice(0, cap);
}

function tolerance(context: LadderContext, payment: Payment): Match | undefined {
  const { options } = context;
  if (options.toleranceMinor <= 0 && options.toleranceBps <= 0) return undefined;
  const scored: Scored[] = [];
  for (const state of customerWindow(context, payment, options.maxScanCandidates)) {
    const difference = Math.abs(subtract(payment.amount, state.remaining).minor);
    if (difference <= toleranceFor(state.remaining, options)) scored.push({ state, score: [difference, dayDistance(state, payment)] });
  }
  if (scored.length === 0) return undefined;
  const top = best(scored);
  if (top.length > 1) {
    return { kind: 'ambiguous', tier: 'tolerance', candidates: top, reason: `${top.length} invoices are equally close to the amount within the tolerance: ${labels(top)}` };
  }
  return { kind: 'invoices', tier: 'tolerance', invoices: top, reason: `the amount is within the tolerance of invoice ${label(top[0])} for the same customer and currency` };
}

/**
 * Subsets of two or more invoices whose amounts due add up exactly to the payment. At most
 * `maxGroupCandidates` invoices (oldest due first) are considered, so the search is bounded by
 * 2^cap; it stops at the second solution, which is all ambiguity needs.
 */
function exactSubsets(states: InvoiceState[], target: number): InvoiceState[][] {
  const sorted = [...states].sort((a, b) => b.remaining.minor - a.remaining.minor);
  const suffix: number[] = new Array(sorted.length + 1).fill(0);
  for (let i = sorted.length - 1; i >= 0; i -= 1) suffix[i] = suffix[i + 1] + sorted[i].remaining.minor;
  const solutions: InvoiceState[][] = [];
  const chosen: InvoiceState[] = [];
  const search = (start: number, left: number): void => {
    if (solutions.length >= 2) return;
    if (left === 0) {
      if (chosen.length > 1) solutions.push([...chosen]);
      return;
    }
    if (start >= sorted.length || suffix[start] < left) return;
    for (let i = start; i < sorted.length && solutions.length < 2; i += 1) {
      if (sorted[i].remaining.minor > left) continue;
      chosen.push(sorted[i]);
      search(i + 1, left - sorted[i].remaining.minor);
      chosen.pop();
    }
  };
  search(0, target);
  return solutions;
}

function groupSubset(context: LadderContext, payment: Payment): Match | undefined {
  const window = customerWindow(context, payment, context.options.maxGroupCandidates);
  if (window.length < 2) return undefined;
  const solutions = exactSubsets(window, payment.amount.minor);
  if (solutions.length === 0) return undefined;
  if (solutions.length > 1) {
    const candidates = [...new Set(solutions.flat())].sort(byDueDate);
    return { kind: 'ambiguous', tier: 'group_subset', candidates, reason: `more than one set of the customer's invoices adds up to the payment: ${labels(candidates)}` };
  }
  const invoices = solutions[0].sort(byDueDate);
  return { kind: 'invoices', tier: 'group_subset', invoices, reason: `the payment equals the sum of invoices ${labels(invoices)} of the same customer` };
}

function customerSingleOpen(context: LadderContext, payment: Payment): Match | undefined {
  const window = customerWindow(context, payment, context.options.maxGroupCandidates + 1);
  if (window.length === 0) return undefined;
  if (window.length > 1) {
    const candidates = window.slice(0, context.options.maxGroupCandidates);
    return { kind: 'ambiguous', tier: 'customer_single_open', candidates, reason: `the amount fits none of customer ${payment.customerId}'s ${window.length > candidates.length ? 'many' : window.length} open invoices: ${labels(candidates)}` };
  }
  return { kind: 'invoices', tier: 'customer_single_open', invoices: window, reason: `invoice ${label(window[0])} is the only open invoice of customer ${payment.customerId} in ${payment.amount.currency}` };
}

/** The reference rungs, given the reference trimmed and normalized once for all three. */
function byReference(context: LadderContext, payment: Payment, reference: string): Match | undefined {
  const trimmed: Reference = { text: reference, normalized: normalizeReference(reference, context.prefixes) };
  return referenceExact(context, payment, trimmed)
    ?? referenceContains(context, payment, trimmed)
    ?? referenceFuzzy(context, payment, trimmed);
}

/** Runs the ladder for one payment: the first rung that finds candidates decides. */
export function findMatch(context: LadderContext, payment: Payment): Match {
  const reference = payment.reference?.trim();
  const match = providerKey(context, payment)
    ?? (reference ? byReference(context, payment, reference) : undefined)
    ?? amountCustomerDate(context, payment)
    ?? tolerance(context, payment)
    ?? groupSubset(context, payment)
    ?? customerSingleOpen(context, payment);
  if (match) return match;
  return {
    kind: 'none',
    reason: payment.customerId || reference
      ? 'no open invoice matches its keys, reference, amount or customer'
      : 'the payment carries no invoice key, reference or customer to match on',
  };
}
