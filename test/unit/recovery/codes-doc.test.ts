import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CODES, lookupCode } from '../../../core/recovery';

const doc = readFileSync(join(__dirname, '../../../docs/recovery.md'), 'utf8');

describe('the code table', () => {
  test('docs/recovery.md lists every code with its category and reason', () => {
    const missing = ALL_CODES.filter((rule) => !doc.includes(`| \`${rule.code}\` | ${rule.name ?? ''} | ${rule.category} | ${rule.reason} |`));
    expect(missing.map((rule) => `${rule.source}:${rule.code}`)).toEqual([]);
  });

  test('no code appears twice in one table, and names resolve to their code', () => {
    const ids = ALL_CODES.map((rule) => `${rule.source}:${rule.code.toUpperCase()}`);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of ALL_CODES.filter((r) => r.name)) expect(lookupCode(rule.source, rule.name)).toBe(rule);
  });

  test('Visa category 1 is hard and Mastercard 24-30 carry their waits', () => {
    const visa = ALL_CODES.filter((rule) => rule.source === 'visa.response_code');
    expect(visa.filter((rule) => rule.visaCategory === 1).every((rule) => rule.category === 'hard')).toBe(true);
    const waits = ['24', '25', '26', '27', '28', '29', '30'].map((code) => lookupCode('mastercard.merchant_advice_code', code)?.retryAfterHours);
    expect(waits).toEqual([1, 24, 48, 96, 144, 192, 240]);
  });
});
