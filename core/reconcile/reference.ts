/**
 * Reference comparison: what a payer types in a memo rarely equals the invoice number, so
 * both sides are reduced to the same canonical form before they are compared.
 */

const SEPARATORS = /[^0-9A-Z]/g;
/** Separators between several invoice numbers in one reference: "INV-1, INV-2 & INV-3". */
const LIST_SEPARATORS = /[,;&+|]|\bAND\b/i;

/** Upper case, only letters and digits: "inv-0042 " -> "INV0042". */
export function compactReference(value: string): string {
  return value.toUpperCase().replace(SEPARATORS, '');
}

/** Drops one leading prefix, unless nothing would follow it. */
export function stripPrefix(compact: string, prefixes: readonly string[]): string {
  for (const prefix of prefixes) {
    if (compact.length > prefix.length && compact.startsWith(prefix)) return compact.slice(prefix.length);
  }
  return compact;
}

/**
 * Upper case, drop everything but letters and digits, then drop one leading prefix
 * ("inv-0042", "INV 0042" and "#0042" all become "0042"). Prefixes must be given longest
 * first when one starts another (INVOICE before INV); a prefix is kept when nothing follows it.
 */
export function normalizeReference(value: string, prefixes: readonly string[]): string {
  return stripPrefix(compactReference(value), prefixes);
}

/** The prefixes in the form normalizeReference expects: compacted, upper case, longest first. */
export function preparePrefixes(prefixes: readonly string[]): string[] {
  return prefixes
    .map((prefix) => prefix.toUpperCase().replace(SEPARATORS, ''))
    .filter((prefix) => prefix !== '')
    .sort((a, b) => b.length - a.length);
}

/** The parts of a reference that lists several invoices, or [] when it names one. */
export function splitReferenceList(value: string): string[] {
  // Most references name one invoice: test before splitting, so they cost no arrays.
  if (!LIST_SEPARATORS.test(value)) return [];
  const parts = value.split(LIST_SEPARATORS).map((part) => part.trim()).filter((part) => part !== '');
  return parts.length > 1 ? parts : [];
}

/**
 * Levenshtein distance, abandoned as soon as it must exceed `limit` (then limit + 1 is
 * returned): fuzzy matching only cares whether two references are close, so most
 * comparisons stop after a few rows.
 */
export function boundedEditDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // Two rows, swapped after each one: no array per row.
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let j = 0; j <= b.length; j += 1) previous[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    current[0] = i;
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      current[j] = value;
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum > limit) return limit + 1;
    const done = previous;
    previous = current;
    current = done;
  }
  return Math.min(previous[b.length], limit + 1);
}

/** The edit distance allowed between two strings under a ratio of the longer one. */
export function editLimit(a: string, b: string, ratio: number): number {
  return Math.floor(Math.max(a.length, b.length) * ratio);
}
