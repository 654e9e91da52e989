/**
 * Card numbers (PANs) are not listed: a payload that carries one (a gateway's free-text
 * field, a generic-HMAC source's own body) shows it masked to its last four digits in the
 * dead-letter listing. The stored record, and a single record fetched by id for a replay,
 * keep the original, so a replay sends the event exactly as it arrived.
 */

/** 13 to 19 digits, optionally grouped by single spaces or dashes, not inside a longer number. */
const CANDIDATE = /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g;

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function maskCardNumbers(text: string): string {
  return text.replace(CANDIDATE, (match) => {
    const digits = match.replace(/[ -]/g, '');
    return luhnValid(digits) ? `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}` : match;
  });
}

/** A copy of a JSON-like value with every string's card numbers masked. */
export function redactCardNumbers<T>(value: T): T {
  if (typeof value === 'string') return maskCardNumbers(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactCardNumbers(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactCardNumbers(item)])) as T;
  }
  return value;
}
