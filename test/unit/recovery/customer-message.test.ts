import { ASK_GUIDANCE, ASK_MESSAGES, customerMessageDraft, decideRecovery, maskSensitive, type DeclineSignals } from '../../../core/recovery';

const FAILED_AT = Date.parse('2026-03-10T12:00:00Z');
const decide = (signals: DeclineSignals, extra: { timeZone?: string } = {}) =>
  decideRecovery({ signals, failedAt: FAILED_AT, attempts: [], now: FAILED_AT, ...extra });

describe('maskSensitive', () => {
  test.each([
    ['a card number in one run', 'card 4242424242424242 declined', 'card [card number] declined'],
    ['a card number in groups of four', 'PAN 4000 0566 5566 5556 was used', 'PAN [card number] was used'],
    ['a card number with dashes', 'card 5555-5555-5555-4444.', 'card [card number].'],
    ['a 15-digit Amex number', 'amex 378282246310005', 'amex [card number]'],
    ['an email address', 'write to ada.lovelace+billing@example.co.uk now', 'write to [email] now'],
    ['a Stripe secret key', 'key sk_live_51HxyzABCDEF0123456789abcdef', 'key [secret]'],
    ['a Stripe webhook secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '[secret]'],
    ['an OpenAI key', 'sk-proj-AbCdEf0123456789_xyzXYZ', '[secret]'],
    ['a bearer token', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc', 'Authorization: Bearer [secret]'],
    ['a named password', 'password=hunter2 and cvc: 123', 'password=[secret] and cvc: [secret]'],
    ['an IBAN', 'IBAN DE89 3704 0044 0532 0130 00 on file', 'IBAN [account number] on file'],
    ['a long token', 'ref 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'ref [secret]'],
  ])('masks %s', (_name, text, masked) => {
    expect(maskSensitive(text)).toBe(masked);
  });

  test.each([
    ['an amount', 'Amount due: €1,234.56 and ¥5,000'],
    ['a date', 'on Wednesday, March 11, 2026 at 2026-03-11T12:00:00Z'],
    ['a short reference', 'invoice in_1OaBc2 and order 1001'],
    ['plain words', 'The card on file has expired; add a new card.'],
  ])('leaves %s alone', (_name, text) => {
    expect(maskSensitive(text)).toBe(text);
  });
});

describe('customerMessageDraft', () => {
  const expired = decide({ provider: 'stripe', code: 'expired_card', declineCode: 'expired_card' });

  test('an Ask Customer decision carries the next attempt on the schedule', () => {
    expect(expired).toMatchObject({ action: 'ask_customer', reason: 'expired_card', nextAttemptAt: '2026-03-11T12:00:00.000Z', retryNumber: 1 });
    expect(expired.rules.map((hit) => hit.rule)).toContain('policy.soft_schedule');
  });

  test('the prompt carries the meaning, the action, the amount formatted with the currency exponent and the retry date', () => {
    const draft = customerMessageDraft({ decision: expired, amount: { minor: 12_345, currency: 'EUR' } });
    expect(draft.prompt).toContain(ASK_GUIDANCE.expired_card.meaning);
    expect(draft.prompt).toContain(ASK_GUIDANCE.expired_card.action);
    expect(draft.prompt).toContain('Amount due: €123.45');
    expect(draft.prompt).toContain('tried again on Wednesday, March 11, 2026');
    expect(draft).toMatchObject({ amountText: '€123.45', nextAttemptDate: 'Wednesday, March 11, 2026' });
    expect(draft.instructions).toMatch(/Use only the facts given/);
  });

  test('zero- and three-decimal currencies are placed by their exponent', () => {
    expect(customerMessageDraft({ decision: expired, amount: { minor: 5000, currency: 'JPY' } }).amountText).toBe('¥5,000');
    expect(customerMessageDraft({ decision: expired, amount: { minor: 1234, currency: 'KWD' } }).amountText).toBe('KWD\u00a01.234');
  });

  test('the retry date is the customer\'s local date when the time zone is known', () => {
    const late = decide({ provider: 'stripe', code: 'expired_card' });
    const draft = customerMessageDraft({ decision: { ...late, nextAttemptAt: '2026-03-11T23:30:00.000Z' }, timeZone: 'Asia/Tokyo' });
    expect(draft.nextAttemptDate).toBe('Thursday, March 12, 2026');
  });

  test('the gateway\'s message goes in masked; nothing else of the item does', () => {
    const draft = customerMessageDraft({
      decision: expired,
      amount: { minor: 12_345, currency: 'EUR' },
      gatewayMessage: 'Your card 4242 4242 4242 4242 has expired (customer ada@example.com, key sk_test_4eC39HqLyjWDarjtT1zdp7dc).',
    });
    expect(draft.prompt).toContain("The bank's message: Your card [card number] has expired (customer [email], key [secret]).");
    expect(draft.prompt).not.toMatch(/4242|ada@example|sk_test/);
  });

  test('the fallback is the suggested message plus the retry date, or the message alone without a next attempt', () => {
    expect(customerMessageDraft({ decision: expired }).fallback).toBe(`${ASK_MESSAGES.expired_card} We will try the payment again on Wednesday, March 11, 2026.`);
    const draft = customerMessageDraft({ decision: { ...expired, nextAttemptAt: undefined } });
    expect(draft.fallback).toBe(ASK_MESSAGES.expired_card);
    expect(draft.prompt).toContain('Next attempt: once the customer has acted.');
    expect(draft.nextAttemptDate).toBeUndefined();
  });

  test('no amount line without an amount in a known currency', () => {
    expect(customerMessageDraft({ decision: expired }).prompt).not.toContain('Amount due');
    expect(customerMessageDraft({ decision: expired, amount: { minor: 100, currency: 'XYZ' } }).amountText).toBeUndefined();
  });
});
