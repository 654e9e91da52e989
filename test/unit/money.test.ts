import fc from 'fast-check';

import {
  add,
  allocate,
  compare,
  exponent,
  formatMoney,
  fromProviderMinor,
  isKnownCurrency,
  MoneyError,
  parseDecimal,
  subtract,
  toDecimalString,
  type CurrencyRules,
} from '../../core/money';

describe('exponent', () => {
  // [currency, ISO 4217, Stripe, Adyen]
  const table: Array<[string, number, number, number]> = [
    ['JPY', 0, 0, 0],
    ['USD', 2, 2, 2],
    ['KWD', 3, 3, 3],
    ['BHD', 3, 3, 3],
    ['CLF', 4, 4, 4],
    ['HUF', 2, 2, 2],
    ['ISK', 0, 2, 2],
    ['CLP', 0, 0, 2],
    ['CVE', 2, 2, 0],
    ['IDR', 2, 2, 0],
    ['MGA', 2, 0, 2],
    ['TWD', 2, 2, 2],
    ['UGX', 0, 2, 0],
    ['UYW', 4, 4, 4],
  ];

  it.each(table)('%s is %i under ISO, %i under Stripe, %i under Adyen', (currency, iso, stripe, adyen) => {
    expect(exponent(currency)).toBe(iso);
    expect(exponent(currency, 'iso')).toBe(iso);
    expect(exponent(currency, 'stripe')).toBe(stripe);
    expect(exponent(currency, 'adyen')).toBe(adyen);
  });

  it.each(['JOD', 'OMR', 'TND', 'IQD', 'LYD'])('%s has three decimals', (currency) => {
    expect(exponent(currency)).toBe(3);
  });

  it('accepts the lower-case codes Stripe sends', () => {
    expect(exponent('isk', 'stripe')).toBe(2);
  });

  it('refuses unknown codes, codes without minor units and non-codes', () => {
    for (const bad of ['ABC', 'XAU', 'XXX', 'US', 'USDT', '', '12A']) {
      expect(() => exponent(bad)).toThrow(MoneyError);
    }
    expect(() => exponent('XYZ')).toThrow('unknown currency XYZ');
    expect(isKnownCurrency('EUR')).toBe(true);
    expect(isKnownCurrency('XAU')).toBe(false);
  });

  it('refuses unknown rules', () => {
    expect(() => exponent('USD', 'paypal' as CurrencyRules)).toThrow('unknown currency rules');
  });
});

describe('fromProviderMinor', () => {
  const cases: Array<[CurrencyRules, number, string, number]> = [
    ['iso', 1234, 'JPY', 1234],
    ['stripe', 1234, 'JPY', 1234],
    ['adyen', 1234, 'JPY', 1234],
    ['stripe', 1999, 'USD', 1999],
    ['adyen', 1999, 'usd', 1999],
    ['stripe', 5120, 'KWD', 5120],
    ['adyen', 5124, 'BHD', 5124],
    ['stripe', 12345, 'CLF', 12345],
    ['adyen', 12345, 'CLF', 12345],
    ['stripe', 250050, 'HUF', 250050],
    ['adyen', 250050, 'HUF', 250050],
    ['iso', 1000, 'ISK', 1000],
    ['stripe', 1000, 'ISK', 10],
    ['adyen', 279000, 'ISK', 2790],
    ['adyen', 150000, 'CLP', 1500],
    ['adyen', 1500, 'CVE', 150000],
    ['adyen', 10000, 'IDR', 1000000],
    ['stripe', 500, 'MGA', 50000],
    ['stripe', 500000, 'ugx', 5000],
    ['adyen', 5000, 'UGX', 5000],
    ['stripe', -1000, 'ISK', -10],
    ['stripe', 0, 'ISK', 0],
  ];

  it.each(cases)('%s %i %s is ISO minor %i', (rules, amount, currency, minor) => {
    expect(fromProviderMinor(amount, currency, rules)).toEqual({ minor, currency: currency.toUpperCase() });
  });

  it('refuses a gateway amount whose dropped digits are not zero', () => {
    expect(() => fromProviderMinor(1050, 'ISK', 'stripe')).toThrow(
      'stripe ISK 1050 has 2 decimals but ISO 4217 gives ISK 0: it is not a multiple of 100 and would lose precision',
    );
    expect(() => fromProviderMinor(150001, 'CLP', 'adyen')).toThrow(MoneyError);
    expect(() => fromProviderMinor(50050, 'UGX', 'stripe')).toThrow('not a multiple of 100');
  });

  it('refuses non-integers, unsafe integers and results beyond the safe range', () => {
    expect(() => fromProviderMinor(12.5, 'USD', 'stripe')).toThrow('stripe USD amount must be a safe integer, got 12.5');
    expect(() => fromProviderMinor(Number.NaN, 'USD', 'stripe')).toThrow(MoneyError);
    expect(() => fromProviderMinor(2 ** 53, 'USD', 'stripe')).toThrow(MoneyError);
    expect(() => fromProviderMinor('100' as unknown as number, 'USD', 'stripe')).toThrow(MoneyError);
    expect(() => fromProviderMinor(Number.MAX_SAFE_INTEGER, 'CVE', 'adyen')).toThrow('outside the range of safe integers');
  });

  it('refuses unknown currencies', () => {
    expect(() => fromProviderMinor(100, 'ABC', 'stripe')).toThrow('unknown currency ABC');
  });
});

describe('parseDecimal', () => {
  const accepted: Array<[string, string, number]> = [
    ['2.51', 'USD', 251],
    ['0.1', 'USD', 10],
    ['10', 'USD', 1000],
    ['-3.50', 'USD', -350],
    ['-0.05', 'USD', -5],
    ['0', 'USD', 0],
    ['-0', 'USD', 0],
    ['007.5', 'USD', 750],
    ['1500', 'JPY', 1500],
    ['10.00', 'JPY', 10],
    ['1.234', 'KWD', 1234],
    ['1.2', 'BHD', 1200],
    ['1.0001', 'CLF', 10001],
    ['250.5', 'HUF', 25050],
    ['2790', 'ISK', 2790],
    ['1.500', 'USD', 150],
    [' 2.51\n', 'USD', 251],
    ['90071992547409.91', 'USD', Number.MAX_SAFE_INTEGER],
  ];

  it.each(accepted)('"%s" %s is %i minor units', (value, currency, minor) => {
    const parsed = parseDecimal(value, currency);
    expect(parsed).toEqual({ minor, currency });
    expect(Object.is(parsed.minor, -0)).toBe(false);
  });

  it('refuses more significant fraction digits than the exponent, naming currency and exponent', () => {
    expect(() => parseDecimal('1.005', 'USD')).toThrow('"1.005" has 3 fraction digits but USD has exponent 2');
    expect(() => parseDecimal('10.5', 'JPY')).toThrow('JPY has exponent 0');
    expect(() => parseDecimal('1.2345', 'KWD')).toThrow('KWD has exponent 3');
    expect(() => parseDecimal('1.1', 'ISK')).toThrow('ISK has exponent 0');
  });

  it.each(['1e3', '1E3', '1.5e2', '', '   ', 'abc', '1,000.00', '1.', '.5', '+1', '--1', '1.2.3', '0x10', 'Infinity', 'NaN', '1 000', '١٢'])(
    'refuses "%s"',
    (value) => {
      expect(() => parseDecimal(value, 'USD')).toThrow(MoneyError);
    },
  );

  it('refuses non-strings, unknown currencies and amounts beyond the safe range', () => {
    expect(() => parseDecimal(2.51 as unknown as string, 'USD')).toThrow(MoneyError);
    expect(() => parseDecimal('2.51', 'ABC')).toThrow('unknown currency ABC');
    expect(() => parseDecimal('90071992547409.92', 'USD')).toThrow('outside the range of safe integers');
  });

  it('upper-cases the currency', () => {
    expect(parseDecimal('1', 'eur')).toEqual({ minor: 100, currency: 'EUR' });
  });
});

describe('toDecimalString and formatMoney', () => {
  const decimals: Array<[number, string, string]> = [
    [1234, 'JPY', '1234'],
    [-5, 'USD', '-0.05'],
    [123456, 'USD', '1234.56'],
    [7, 'KWD', '0.007'],
    [-1005, 'BHD', '-1.005'],
    [7, 'CLF', '0.0007'],
    [25050, 'HUF', '250.50'],
    [2790, 'ISK', '2790'],
    [0, 'USD', '0.00'],
  ];

  it.each(decimals)('%i %s is %s', (minor, currency, text) => {
    expect(toDecimalString({ minor, currency })).toBe(text);
  });

  it('formats with the ISO exponent', () => {
    // Intl puts a no-break space between a currency code and the number.
    expect(formatMoney({ minor: 123456, currency: 'USD' })).toBe('$1,234.56');
    expect(formatMoney({ minor: -5, currency: 'USD' })).toBe('-$0.05');
    expect(formatMoney({ minor: 1234, currency: 'JPY' })).toBe('¥1,234');
    expect(formatMoney({ minor: 1234567, currency: 'KWD' })).toBe('KWD\u00a01,234.567');
    expect(formatMoney({ minor: 12345, currency: 'CLF' })).toBe('CLF\u00a01.2345');
    expect(formatMoney({ minor: 2790, currency: 'ISK' })).toBe('ISK\u00a02,790');
  });

  it('uses the locale', () => {
    // Intl separates number and symbol with a no-break space in these locales.
    expect(formatMoney({ minor: 123456, currency: 'EUR' }, 'de-DE')).toBe('1.234,56\u00a0€');
    expect(formatMoney({ minor: 25050, currency: 'HUF' }, 'hu-HU')).toBe('250,50\u00a0Ft');
  });

  it('keeps every digit of amounts a float cannot hold exactly', () => {
    // Dividing as floats first prints $90,071,992,547,409.90 and CLF 900,719,925,474.0988 here.
    expect(formatMoney({ minor: Number.MAX_SAFE_INTEGER, currency: 'USD' })).toBe('$90,071,992,547,409.91');
    expect(formatMoney({ minor: 9007199254740987, currency: 'CLF' })).toBe('CLF\u00a0900,719,925,474.0987');
  });

  it('refuses malformed amounts', () => {
    expect(() => formatMoney({ minor: 1.5, currency: 'USD' })).toThrow('amount.minor must be a safe integer, got 1.5');
    expect(() => toDecimalString({ minor: 1, currency: 'ZZZ' })).toThrow(MoneyError);
  });
});

describe('add, subtract, compare', () => {
  const usd = (minor: number) => ({ minor, currency: 'USD' });

  it('works in minor units', () => {
    expect(add(usd(10), usd(20))).toEqual(usd(30));
    expect(subtract(usd(10), usd(25))).toEqual(usd(-15));
    expect(compare(usd(1), usd(2))).toBe(-1);
    expect(compare(usd(2), usd(2))).toBe(0);
    expect(compare(usd(3), usd(2))).toBe(1);
  });

  it('refuses to mix currencies', () => {
    const jpy = { minor: 10, currency: 'JPY' };
    expect(() => add(usd(10), jpy)).toThrow('cannot add USD and JPY: different currencies');
    expect(() => subtract(usd(10), jpy)).toThrow('cannot subtract USD and JPY');
    expect(() => compare(usd(10), jpy)).toThrow('cannot compare USD and JPY');
  });

  it('refuses results beyond the safe range and malformed operands', () => {
    expect(() => add(usd(Number.MAX_SAFE_INTEGER), usd(1))).toThrow('outside the range of safe integers');
    expect(() => subtract(usd(Number.MIN_SAFE_INTEGER), usd(1))).toThrow('outside the range of safe integers');
    expect(() => add(usd(0.1), usd(0.2))).toThrow('left amount.minor must be a safe integer');
  });

  it('adds and subtracts exactly, or refuses, over the whole safe range (checked against BigInt)', () => {
    const safe = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    const inRange = (value: bigint) => value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
    fc.assert(
      fc.property(safe, safe, (a, b) => {
        for (const [operation, exact] of [
          [add, BigInt(a) + BigInt(b)],
          [subtract, BigInt(a) - BigInt(b)],
        ] as const) {
          if (inRange(exact)) expect(BigInt(operation(usd(a), usd(b)).minor)).toBe(exact);
          else expect(() => operation(usd(a), usd(b))).toThrow('outside the range of safe integers');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('allocate', () => {
  const usd = (minor: number) => ({ minor, currency: 'USD' });

  it('gives the leftover units to the largest remainders, earlier parts first on ties', () => {
    expect(allocate(usd(100), [1, 1, 1]).map((p) => p.minor)).toEqual([34, 33, 33]);
    expect(allocate(usd(-100), [1, 1, 1]).map((p) => p.minor)).toEqual([-34, -33, -33]);
    expect(allocate(usd(5), [3, 7]).map((p) => p.minor)).toEqual([2, 3]);
    expect(allocate(usd(1000), [70, 30]).map((p) => p.minor)).toEqual([700, 300]);
    expect(allocate(usd(2), [0, 1, 0, 1]).map((p) => p.minor)).toEqual([0, 1, 0, 1]);
    expect(allocate({ minor: 1, currency: 'JPY' }, [1, 1])).toEqual([
      { minor: 1, currency: 'JPY' },
      { minor: 0, currency: 'JPY' },
    ]);
  });

  it('never produces -0', () => {
    for (const part of allocate(usd(-1), [1, 1, 1])) expect(Object.is(part.minor, -0)).toBe(false);
  });

  it('refuses empty, negative, fractional or all-zero ratios', () => {
    expect(() => allocate(usd(100), [])).toThrow('at least one ratio');
    expect(() => allocate(usd(100), [1, -1])).toThrow('ratio 1 must be a non-negative safe integer, got -1');
    expect(() => allocate(usd(100), [0.5, 0.5])).toThrow(MoneyError);
    expect(() => allocate(usd(100), [0, 0])).toThrow('at least one ratio above zero');
  });

  it('always sums to the whole with each part within one unit of its exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 12 }).filter((r) => r.some((x) => x > 0)),
        (minor, ratios) => {
          const parts = allocate(usd(minor), ratios);
          expect(parts).toHaveLength(ratios.length);
          const total = ratios.reduce((sum, r) => sum + BigInt(r), 0n);
          expect(parts.reduce((sum, p) => sum + BigInt(p.minor), 0n)).toBe(BigInt(minor));
          parts.forEach((part, i) => {
            expect(part.currency).toBe('USD');
            expect(Number.isSafeInteger(part.minor)).toBe(true);
            // |part - minor * ratio / total| < 1, kept in integers: |part * total - minor * ratio| < total.
            const gap = BigInt(part.minor) * total - BigInt(minor) * BigInt(ratios[i]);
            expect(gap < 0n ? -gap : gap).toBeLessThan(total);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
