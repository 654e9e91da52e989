/**
 * Masking of text before it leaves for a language model: whatever looks like a card number, a
 * bank account number, an email address or a secret is replaced by a label, so a model (and its
 * provider's logs) never sees it. Errs on the side of masking: a false positive costs a word.
 */

interface MaskRule {
  label: string;
  pattern: RegExp;
}

const MASK_RULES: readonly MaskRule[] = [
  // Secrets first: their bodies hold digit runs and @ signs the later rules would cut in half.
  { label: '[secret]', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g },
  // Gateway and API keys by their documented prefixes: Stripe (sk_, rk_, whsec_), OpenAI (sk-), Slack (xox?-), GitHub (ghp_ ...), AWS (AKIA).
  { label: '[secret]', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9+/=]{8,}|\bsk-[A-Za-z0-9_-]{16,}|\bxox[abprs]-[A-Za-z0-9-]{8,}|\bgh[pousr]_[A-Za-z0-9]{20,}|\bAKIA[0-9A-Z]{16}\b/g },
  { label: 'Bearer [secret]', pattern: /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi },
  // `password: x`, `api_key=x`, `"secret": "x"`: keep the name, mask the value.
  {
    label: '$1[secret]',
    pattern: /\b((?:password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|token|cvc|cvv)\b["']?\s*[:=]\s*["']?)[^\s"',;]+/gi,
  },
  { label: '[email]', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  // IBAN: two letters, two check digits, then 11-30 letters and digits, in groups of four or not.
  { label: '[account number]', pattern: /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b/g },
  // Card numbers are 12-19 digits, written with single spaces or dashes between groups or none.
  { label: '[card number]', pattern: /\b\d(?:[ -]?\d){11,18}\b/g },
  // A long run of letters and digits mixed is a token, a key or a hash: not words a message needs.
  { label: '[secret]', pattern: /\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\b/g },
];

/** The text with card numbers, account numbers, email addresses and secrets replaced by labels. */
export function maskSensitive(text: string): string {
  return MASK_RULES.reduce((masked, rule) => masked.replace(rule.pattern, rule.label), text);
}
