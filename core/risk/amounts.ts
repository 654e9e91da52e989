import { parseDecimal, toDecimalString } from '../money';
import type { CurrencyAmounts } from './types';

/**
 * Per-currency amounts as people write them: `USD 1000, EUR 950.50, JPY 150000`, in the
 * currency's main unit. Parsed exactly into minor units; a wrong entry throws naming it.
 */
export function parseCurrencyAmounts(text: string): CurrencyAmounts {
  const amounts: CurrencyAmounts = {};
  for (const entry of text.split(/[,;\n]/).map((part) => part.trim()).filter(Boolean)) {
    const match = /^([A-Za-z]{3})(?:\s+|\s*[:=]\s*)(\S+)$/.exec(entry);
    if (!match) throw new RangeError(`"${entry}" is not a currency and an amount, like "USD 1000"`);
    const { minor, currency } = parseDecimal(match[2], match[1].toUpperCase());
    amounts[currency] = minor;
  }
  return amounts;
}

/** The inverse of parseCurrencyAmounts, e.g. for a form's default value. */
export function formatCurrencyAmounts(amounts: CurrencyAmounts): string {
  return Object.entries(amounts)
    .map(([currency, minor]) => `${currency} ${toDecimalString({ minor, currency }).replace(/\.0+$/, '')}`)
    .join(', ');
}
