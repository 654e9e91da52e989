/**
 * Money as integer minor units. Every amount in a PaymentEvent uses the ISO 4217 exponent of
 * its currency; gateways that count minor units differently (Stripe, Adyen) are converted
 * exactly, with integer arithmetic only, and anything that would lose precision is refused.
 */
/** An amount as every PaymentEvent carries it. */
export interface MoneyAmount {
  /** Integer minor units with the currency's ISO 4217 exponent. */
  minor: number;
  /** ISO 4217 alphabetic code, upper case. */
  currency: string;
}

/** Whose minor units an integer amount is counted in. */
export type CurrencyRules = 'iso' | 'stripe' | 'adyen';

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

/**
 * ISO 4217 list one: every active currency with minor units, code -> exponent.
 * Left out on purpose: codes without minor units (precious metals XAU/XAG/XPT/XPD, the bond
 * units XBA-XBD, XDR, XSU, XUA, and the test/no-currency codes XTS/XXX); nobody pays in them.
 */
const ISO_4217_EXPONENTS: Readonly<Record<string, number>> = {
  AED: 2, AFN: 2, ALL: 2, AMD: 2, AOA: 2, ARS: 2, AUD: 2, AWG: 2, AZN: 2,
  BAM: 2, BBD: 2, BDT: 2, BHD: 3, BIF: 0, BMD: 2, BND: 2, BOB: 2, BOV: 2, BRL: 2,
  BSD: 2, BTN: 2, BWP: 2, BYN: 2, BZD: 2,
  CAD: 2, CDF: 2, CHE: 2, CHF: 2, CHW: 2, CLF: 4, CLP: 0, CNY: 2, COP: 2, COU: 2,
  CRC: 2, CUP: 2, CVE: 2, CZK: 2,
  DJF: 0, DKK: 2, DOP: 2, DZD: 2,
  EGP: 2, ERN: 2, ETB: 2, EUR: 2,
  FJD: 2, FKP: 2,
  GBP: 2, GEL: 2, GHS: 2, GIP: 2, GMD: 2, GNF: 0, GTQ: 2, GYD: 2,
  HKD: 2, HNL: 2, HTG: 2, HUF: 2,
  IDR: 2, ILS: 2, INR: 2, IQD: 3, IRR: 2, ISK: 0,
  JMD: 2, JOD: 3, JPY: 0,
  KES: 2, KGS: 2, KHR: 2, KMF: 0, KPW: 2, KRW: 0, KWD: 3, KYD: 2, KZT: 2,
  LAK: 2, LBP: 2, LKR: 2, LRD: 2, LSL: 2, LYD: 3,
  MAD: 2, MDL: 2, MGA: 2, MKD: 2, MMK: 2, MNT: 2, MOP: 2, MRU: 2, MUR: 2, MVR: 2,
  MWK: 2, MXN: 2, MXV: 2, MYR: 2, MZN: 2,
  NAD: 2, NGN: 2, NIO: 2, NOK: 2, NPR: 2, NZD: 2,
  OMR: 3,
  PAB: 2, PEN: 2, PGK: 2, PHP: 2, PKR: 2, PLN: 2, PYG: 0,
  QAR: 2,
  RON: 2, RSD: 2, RUB: 2, RWF: 0,
  SAR: 2, SBD: 2, SCR: 2, SDG: 2, SEK: 2, SGD: 2, SHP: 2, SLE: 2, SOS: 2, SRD: 2,
  SSP: 2, STN: 2, SVC: 2, SYP: 2, SZL: 2,
  THB: 2, TJS: 2, TMT: 2, TND: 3, TOP: 2, TRY: 2, TTD: 2, TWD: 2, TZS: 2,
  UAH: 2, UGX: 0, USD: 2, USN: 2, UYI: 0, UYU: 2, UYW: 4, UZS: 2,
  VED: 2, VES: 2, VND: 0, VUV: 0,
  WST: 2,
  XAF: 0, XCD: 2, XCG: 2, XOF: 0, XPF: 0,
  YER: 2,
  ZAR: 2, ZMW: 2, ZWG: 2,
};

/**
 * Codes ISO has withdrawn recently but gateways still report for older payments, refunds and
 * disputes (HRK before the euro, SLL before the SLE redenomination, ANG before XCG, ZWL before
 * ZWG, BGN before the euro, CUC after Cuba's unification).
 */
const RECENTLY_WITHDRAWN_EXPONENTS: Readonly<Record<string, number>> = {
  ANG: 2, BGN: 2, CUC: 2, HRK: 2, SLL: 2, ZWL: 2,
};

/**
 * Where a gateway's minor units differ from ISO 4217. Only the differences are listed.
 *
 * Stripe (docs.stripe.com/currencies): its zero-decimal list matches ISO except MGA, which
 * Stripe counts in whole ariary. Its "special cases": ISK and UGX became zero-decimal, but for
 * backwards compatibility Stripe keeps them two-decimal in the API (500 = 5 UGX, amounts
 * divisible by 100), although UGX also appears on its zero-decimal list. HUF and TWD are
 * two-decimal in the API like ISO (Stripe only pays them out in whole units), so they need no
 * entry. The three-decimal currencies keep ISO's exponent (Stripe only asks for a final 0).
 *
 * Adyen (docs.adyen.com/development-resources/currency-codes): "for CLP, CVE, IDR and ISK the
 * standard has a different number of decimals"; Adyen's table is leading for those.
 */
const PROVIDER_EXPONENT_EXCEPTIONS: Readonly<Record<Exclude<CurrencyRules, 'iso'>, Readonly<Record<string, number>>>> = {
  stripe: { ISK: 2, MGA: 0, UGX: 2 },
  adyen: { CLP: 2, CVE: 0, IDR: 0, ISK: 2 },
};

const CURRENCY_CODE = /^[A-Za-z]{3}$/;

/**
 * Codes already accepted, as given, with their upper-case form. Every sum and comparison
 * checks its currency: reconciling a million payments makes millions of checks of a few codes.
 */
const acceptedCodes = new Map<string, string>();

/** Upper-cases a currency code (Stripe sends `usd`) and refuses anything we have no exponent for. */
function knownCurrency(currency: string): string {
  const accepted = acceptedCodes.get(currency);
  if (accepted !== undefined) return accepted;
  if (typeof currency !== 'string' || !CURRENCY_CODE.test(currency)) {
    throw new MoneyError(`"${String(currency)}" is not a currency code (three letters, ISO 4217)`);
  }
  const code = currency.toUpperCase();
  if (!(code in ISO_4217_EXPONENTS) && !(code in RECENTLY_WITHDRAWN_EXPONENTS)) {
    throw new MoneyError(`unknown currency ${code}: not an ISO 4217 code with minor units`);
  }
  acceptedCodes.set(currency, code);
  return code;
}

export function isKnownCurrency(currency: string): boolean {
  try {
    knownCurrency(currency);
    return true;
  } catch {
    return false;
  }
}

/** Number of decimal digits in the currency's minor unit under ISO 4217 or a gateway's rules. */
export function exponent(currency: string, rules: CurrencyRules = 'iso'): number {
  const code = knownCurrency(currency);
  const iso = ISO_4217_EXPONENTS[code] ?? RECENTLY_WITHDRAWN_EXPONENTS[code];
  if (rules === 'iso') return iso;
  const exceptions = PROVIDER_EXPONENT_EXCEPTIONS[rules];
  if (exceptions === undefined) throw new MoneyError(`unknown currency rules "${String(rules)}"`);
  return exceptions[code] ?? iso;
}

function safeMinor(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError(`${what} is outside the range of safe integers (±${Number.MAX_SAFE_INTEGER})`);
  }
  return Number(value);
}

function requireSafeInteger(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new MoneyError(`${what} must be a safe integer, got ${String(value)}`);
  }
}

/**
 * Converts an amount counted in a gateway's minor units to ISO minor units, exactly.
 * Stripe ISK 1000 (10.00 kr) -> ISK 10; Adyen CLP 150000 -> CLP 1500. An amount whose
 * dropped digits are not zero (Stripe ISK 1050) is refused rather than rounded.
 */
export function fromProviderMinor(amount: number, currency: string, rules: CurrencyRules): MoneyAmount {
  const code = knownCurrency(currency);
  requireSafeInteger(amount, `${rules} ${code} amount`);
  const shift = exponent(code, rules) - exponent(code, 'iso');
  if (shift === 0) return { minor: amount, currency: code };
  const factor = 10n ** BigInt(Math.abs(shift));
  const value = BigInt(amount);
  if (shift < 0) return { minor: safeMinor(value * factor, `${rules} ${code} ${amount}`), currency: code };
  if (value % factor !== 0n) {
    throw new MoneyError(
      `${rules} ${code} ${amount} has ${exponent(code, rules)} decimals but ISO 4217 gives ${code} ` +
        `${exponent(code, 'iso')}: it is not a multiple of ${factor} and would lose precision`,
    );
  }
  return { minor: Number(value / factor), currency: code };
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal string such as PayPal's `"2.51"` into minor units without floating point.
 * Surrounding whitespace is ignored (amounts copied from CSVs and forms carry it); signs other
 * than a leading `-`, exponent notation, thousands separators and bare dots are refused.
 * Fraction digits beyond the currency's exponent are refused unless they are all zeros
 * (`"10.00"` JPY is exactly 10), since dropping a non-zero digit would change the amount.
 */
export function parseDecimal(value: string, currency: string): MoneyAmount {
  const code = knownCurrency(currency);
  const digits = exponent(code);
  const match = typeof value === 'string' ? DECIMAL.exec(value.trim()) : null;
  if (match === null) {
    throw new MoneyError(`"${String(value)}" is not a decimal amount (expected digits with an optional "." and fraction)`);
  }
  const [, minus, whole, fraction = ''] = match;
  const kept = fraction.slice(0, digits);
  if (/[^0]/.test(fraction.slice(digits))) {
    throw new MoneyError(
      `"${value.trim()}" has ${fraction.length} fraction digits but ${code} has exponent ${digits}`,
    );
  }
  const magnitude = BigInt(whole + kept.padEnd(digits, '0'));
  return { minor: safeMinor(minus ? -magnitude : magnitude, `"${value.trim()}" ${code}`), currency: code };
}

/**
 * The sum or difference of two safe integers is exact whenever it is itself a safe integer
 * (floating point rounds correctly, and anything past 2^53 stays past it), so no BigInt is needed.
 */
function safeSum(value: number, code: string, what: 'sum' | 'difference'): number {
  if (!Number.isSafeInteger(value)) {
    throw new MoneyError(`the ${what} of ${code} amounts is outside the range of safe integers (±${Number.MAX_SAFE_INTEGER})`);
  }
  return value;
}

function checkedAmount(m: MoneyAmount, what = 'amount'): string {
  if (m === null || typeof m !== 'object') throw new MoneyError(`${what} must be a MoneyAmount`);
  requireSafeInteger(m.minor, `${what}.minor`);
  return knownCurrency(m.currency);
}

/** The exact decimal string of an amount, e.g. `{minor: -5, currency: 'USD'}` -> `"-0.05"`. */
export function toDecimalString(m: MoneyAmount): string {
  const code = checkedAmount(m);
  const digits = exponent(code);
  const magnitude = Math.abs(m.minor).toString().padStart(digits + 1, '0');
  const sign = m.minor < 0 ? '-' : '';
  if (digits === 0) return sign + magnitude;
  return `${sign}${magnitude.slice(0, -digits)}.${magnitude.slice(-digits)}`;
}

/**
 * Formats for people with Intl. The number is handed over as an exact decimal string (which
 * Intl.NumberFormat formats digit for digit), never as a float, and with the ISO exponent.
 */
export function formatMoney(m: MoneyAmount, locale = 'en-US'): string {
  const code = checkedAmount(m);
  const digits = exponent(code);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: code,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  // format(string) (ES2023 Intl, in Node 20) is missing from the ES2022 lib typings.
  return (format as unknown as { format(value: string): string }).format(toDecimalString(m));
}

function sameCurrency(a: MoneyAmount, b: MoneyAmount, operation: string): string {
  const left = checkedAmount(a, 'left amount');
  const right = checkedAmount(b, 'right amount');
  if (left !== right) throw new MoneyError(`cannot ${operation} ${left} and ${right}: different currencies`);
  return left;
}

export function add(a: MoneyAmount, b: MoneyAmount): MoneyAmount {
  const code = sameCurrency(a, b, 'add');
  return { minor: safeSum(a.minor + b.minor, code, 'sum'), currency: code };
}

export function subtract(a: MoneyAmount, b: MoneyAmount): MoneyAmount {
  const code = sameCurrency(a, b, 'subtract');
  return { minor: safeSum(a.minor - b.minor, code, 'difference'), currency: code };
}

/** -1, 0 or 1, for sorting; refuses to compare different currencies. */
export function compare(a: MoneyAmount, b: MoneyAmount): -1 | 0 | 1 {
  sameCurrency(a, b, 'compare');
  return a.minor < b.minor ? -1 : a.minor > b.minor ? 1 : 0;
}

/**
 * Splits an amount by integer weights (e.g. [1, 1, 1] or [70, 30]) with the largest remainder
 * method: each part is its exact share rounded towards zero, and the leftover minor units go
 * one each to the parts with the largest remainders (the earlier part on a tie). The parts
 * always add up to the whole; a negative amount splits like its absolute value, negated.
 */
export function allocate(amount: MoneyAmount, ratios: number[]): MoneyAmount[] {
  const code = checkedAmount(amount);
  if (!Array.isArray(ratios) || ratios.length === 0) throw new MoneyError('allocate needs at least one ratio');
  ratios.forEach((ratio, index) => {
    if (!Number.isSafeInteger(ratio) || ratio < 0) {
      throw new MoneyError(`ratio ${index} must be a non-negative safe integer, got ${String(ratio)}`);
    }
  });
  const total = ratios.reduce((sum, ratio) => sum + BigInt(ratio), 0n);
  if (total === 0n) throw new MoneyError('allocate needs at least one ratio above zero');

  const magnitude = BigInt(Math.abs(amount.minor));
  const shares = ratios.map((ratio, index) => {
    const exact = magnitude * BigInt(ratio);
    return { index, part: exact / total, remainder: exact % total };
  });
  let leftover = magnitude - shares.reduce((sum, share) => sum + share.part, 0n);
  const byRemainder = [...shares].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (const share of byRemainder) {
    if (leftover === 0n) break;
    share.part += 1n;
    leftover -= 1n;
  }
  const sign = amount.minor < 0 ? -1 : 1;
  // `|| 0` keeps a zero part of a negative amount from becoming -0.
  return shares.map((share) => ({ minor: sign * Number(share.part) || 0, currency: code }));
}
