import { ewmaSpike, priorityFor, DEFAULT_AMOUNTS, parseCurrencyAmounts, formatCurrencyAmounts } from '../../../core/risk';

const rule = { lambda: 0.3, k: 3, minBuckets: 5 };

describe('ewmaSpike', () => {
  it('stays silent until enough buckets with traffic were seen', () => {
    expect(ewmaSpike([0, 0, 0, 10, 10, 10, 10, 50], rule)).toMatchObject({ evaluated: false, spike: false });
  });

  it('flags a current bucket far above a steady baseline', () => {
    const reading = ewmaSpike([10, 10, 10, 10, 10, 10, 40], rule);
    expect(reading).toMatchObject({ evaluated: true, baseline: 10, current: 40, spike: true });
    // limit = 10 + 3·√10·√(0.3/1.7) / 0.3 ≈ 23.28
    expect(reading.limit).toBeCloseTo(23.28, 1);
  });

  it('lets ordinary noise pass', () => {
    expect(ewmaSpike([9, 12, 8, 11, 10, 13, 9, 15], rule).spike).toBe(false);
  });

  it('follows a slow ramp', () => {
    const ramp = Array.from({ length: 40 }, (_, i) => 20 + 2 * i);
    expect(ewmaSpike(ramp, rule).spike).toBe(false);
  });

  it('widens its limit with a larger k and reacts faster with a larger λ', () => {
    const counts = [10, 10, 10, 10, 10, 10, 22];
    expect(ewmaSpike(counts, { ...rule, k: 3 }).spike).toBe(false);
    expect(ewmaSpike(counts, { ...rule, k: 2 }).spike).toBe(true);
    expect(ewmaSpike(counts, { ...rule, lambda: 0.9 }).limit).toBeLessThan(ewmaSpike(counts, rule).limit);
  });
});

describe('priorityFor', () => {
  it('picks the priority lane at or above the currency threshold only', () => {
    expect(priorityFor({ amount: { minor: 100_000, currency: 'USD' } }, DEFAULT_AMOUNTS)).toBe('priority');
    expect(priorityFor({ amount: { minor: 99_999, currency: 'USD' } }, DEFAULT_AMOUNTS)).toBe('standard');
    expect(priorityFor({ amount: { minor: 100_000, currency: 'JPY' } }, DEFAULT_AMOUNTS)).toBe('standard');
    expect(priorityFor({ amount: { minor: 100_000, currency: 'usd' } }, DEFAULT_AMOUNTS)).toBe('priority');
  });

  it('leaves events without an amount or a threshold in the standard lane', () => {
    expect(priorityFor({}, DEFAULT_AMOUNTS)).toBe('standard');
    expect(priorityFor({ amount: { minor: 10 ** 9, currency: 'SEK' } }, DEFAULT_AMOUNTS)).toBe('standard');
  });
});

describe('per-currency amounts as people write them', () => {
  it('parses main units exactly into minor units', () => {
    expect(parseCurrencyAmounts('USD 1000, eur=950.50; JPY 150000\nBHD: 1.250')).toEqual({ USD: 100_000, EUR: 95_050, JPY: 150_000, BHD: 1_250 });
    expect(parseCurrencyAmounts('')).toEqual({});
  });

  it('names a wrong entry', () => {
    expect(() => parseCurrencyAmounts('USD 1000, dollars')).toThrow('"dollars" is not a currency and an amount');
    expect(() => parseCurrencyAmounts('JPY 10.5')).toThrow('JPY has exponent 0');
  });

  it('formats the defaults back into the same text', () => {
    const text = formatCurrencyAmounts(DEFAULT_AMOUNTS.highValue);
    expect(text).toBe('USD 1000, EUR 1000, GBP 1000, CHF 1000, CAD 1000, AUD 1000, JPY 150000');
    expect(parseCurrencyAmounts(text)).toEqual(DEFAULT_AMOUNTS.highValue);
    expect(formatCurrencyAmounts({ USD: 250 })).toBe('USD 2.50');
  });
});
