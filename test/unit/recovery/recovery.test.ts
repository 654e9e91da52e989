import {
  ASK_MESSAGES,
  decideRecovery,
  signalsFromEvent,
  type DeclineCategory,
  type DeclineSignals,
  type RecoveryAction,
  type RecoveryInput,
} from '../../../core/recovery';
import type { PaymentEvent } from '../../../core/event';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FAILED_AT = Date.parse('2026-03-10T01:00:00Z');

function decide(signals: DeclineSignals, extra: Partial<RecoveryInput> = {}, policy = {}) {
  return decideRecovery({ signals, failedAt: FAILED_AT, attempts: [], now: FAILED_AT + 60_000, ...extra }, policy);
}

type Row = [gateway: string, signals: DeclineSignals, category: DeclineCategory, action: RecoveryAction, rule: string];

/** Real codes from each gateway's documentation, at least one per category where the gateway has one. */
const rows: Row[] = [
  ['Stripe', { provider: 'stripe', code: 'card_declined', declineCode: 'insufficient_funds' }, 'soft', 'retry', 'stripe.decline_code:insufficient_funds'],
  ['Stripe', { provider: 'stripe', code: 'processing_error' }, 'transient', 'retry', 'stripe.decline_code:processing_error'],
  ['Stripe', { provider: 'stripe', code: 'expired_card' }, 'needs_customer_action', 'ask_customer', 'stripe.decline_code:expired_card'],
  ['Stripe', { provider: 'stripe', code: 'authentication_required', declineCode: 'authentication_required' }, 'needs_customer_action', 'ask_customer', 'stripe.decline_code:authentication_required'],
  ['Stripe', { provider: 'stripe', code: 'incorrect_cvc' }, 'needs_customer_action', 'ask_customer', 'stripe.decline_code:incorrect_cvc'],
  ['Stripe', { provider: 'stripe', code: 'card_declined', declineCode: 'lost_card' }, 'hard', 'stop', 'stripe.decline_code:lost_card'],
  ['Stripe', { provider: 'stripe', code: 'card_declined', declineCode: 'stolen_card' }, 'hard', 'stop', 'stripe.decline_code:stolen_card'],
  ['Stripe', { provider: 'stripe', code: 'card_declined', declineCode: 'revocation_of_authorization' }, 'hard', 'stop', 'stripe.decline_code:revocation_of_authorization'],
  ['Stripe', { provider: 'stripe', code: 'card_declined', declineCode: 'fraudulent' }, 'fraud', 'review', 'stripe.decline_code:fraudulent'],
  ['Stripe advice', { provider: 'stripe', declineCode: 'generic_decline', adviceCode: 'do_not_try_again' }, 'hard', 'stop', 'stripe.advice_code:do_not_try_again'],
  ['Stripe advice', { provider: 'stripe', declineCode: 'generic_decline', adviceCode: 'confirm_card_data' }, 'needs_customer_action', 'ask_customer', 'stripe.advice_code:confirm_card_data'],
  ['Adyen', { provider: 'adyen', code: '12', message: 'Not enough balance' }, 'soft', 'retry', 'adyen.refusal_reason:12'],
  ['Adyen', { provider: 'adyen', code: '9' }, 'transient', 'retry', 'adyen.refusal_reason:9'],
  ['Adyen', { provider: 'adyen', message: 'Expired Card' }, 'needs_customer_action', 'ask_customer', 'adyen.refusal_reason:6'],
  ['Adyen', { provider: 'adyen', code: '38' }, 'needs_customer_action', 'ask_customer', 'adyen.refusal_reason:38'],
  ['Adyen', { provider: 'adyen', code: '5', message: 'Blocked Card' }, 'hard', 'stop', 'adyen.refusal_reason:5'],
  ['Adyen', { provider: 'adyen', code: '26' }, 'hard', 'stop', 'adyen.refusal_reason:26'],
  ['Adyen', { provider: 'adyen', message: 'FRAUD' }, 'fraud', 'review', 'adyen.refusal_reason:20'],
  ['Adyen', { provider: 'adyen', code: '31' }, 'fraud', 'review', 'adyen.refusal_reason:31'],
  ['PayPal', { provider: 'paypal', code: '5120' }, 'soft', 'retry', 'paypal.processor_response:5120'],
  ['PayPal', { provider: 'paypal', code: 'ISSUER_NOT_AVAILABLE_RETRIABLE' }, 'transient', 'retry', 'paypal.processor_response:5920'],
  ['PayPal', { provider: 'paypal', code: '5400' }, 'needs_customer_action', 'ask_customer', 'paypal.processor_response:5400'],
  ['PayPal', { provider: 'paypal', code: '5650' }, 'needs_customer_action', 'ask_customer', 'paypal.processor_response:5650'],
  ['PayPal', { provider: 'paypal', code: '9520' }, 'hard', 'stop', 'paypal.processor_response:9520'],
  ['PayPal', { provider: 'paypal', code: '9500' }, 'fraud', 'review', 'paypal.processor_response:9500'],
  ['Braintree', { provider: 'braintree', code: '2001' }, 'soft', 'retry', 'braintree.processor_response:2001'],
  ['Braintree', { provider: 'braintree', code: '3000' }, 'transient', 'retry', 'braintree.processor_response:3000'],
  ['Braintree', { provider: 'braintree', code: '2004' }, 'needs_customer_action', 'ask_customer', 'braintree.processor_response:2004'],
  ['Braintree', { provider: 'braintree', code: '2013' }, 'hard', 'stop', 'braintree.processor_response:2013'],
  ['Braintree', { provider: 'braintree', code: '2018' }, 'hard', 'stop', 'braintree.processor_response:2018'],
  ['Braintree', { provider: 'braintree', code: '2014' }, 'fraud', 'review', 'braintree.processor_response:2014'],
  ['Square', { provider: 'square', code: 'INSUFFICIENT_FUNDS' }, 'soft', 'retry', 'square.error_code:INSUFFICIENT_FUNDS'],
  ['Square', { provider: 'square', code: 'TEMPORARY_ERROR' }, 'transient', 'retry', 'square.error_code:TEMPORARY_ERROR'],
  ['Square', { provider: 'square', code: 'CARD_EXPIRED' }, 'needs_customer_action', 'ask_customer', 'square.error_code:CARD_EXPIRED'],
  ['Square', { provider: 'square', code: 'CARD_DECLINED_VERIFICATION_REQUIRED' }, 'needs_customer_action', 'ask_customer', 'square.error_code:CARD_DECLINED_VERIFICATION_REQUIRED'],
  ['Visa', { networkDeclineCode: '51', network: 'visa' }, 'soft', 'retry', 'visa.response_code:51'],
  ['Visa', { networkDeclineCode: '91' }, 'transient', 'retry', 'visa.response_code:91'],
  ['Visa', { networkDeclineCode: '54' }, 'needs_customer_action', 'ask_customer', 'visa.response_code:54'],
  ['Visa', { networkDeclineCode: '1A' }, 'needs_customer_action', 'ask_customer', 'visa.response_code:1A'],
  ['Visa category 1', { networkDeclineCode: '41' }, 'hard', 'stop', 'visa.response_code:41'],
  ['Visa category 1', { networkDeclineCode: '43 : Stolen card' }, 'hard', 'stop', 'visa.response_code:43'],
  ['Visa category 1', { networkDeclineCode: 'R1' }, 'hard', 'stop', 'visa.response_code:R1'],
  ['Visa category 1', { networkDeclineCode: '46' }, 'hard', 'stop', 'visa.response_code:46'],
  ['Visa', { networkDeclineCode: '59' }, 'fraud', 'review', 'visa.response_code:59'],
  ['Visa category 4', { networkDeclineCode: '5' }, 'soft', 'retry', 'visa.response_code:05'],
  ['Mastercard MAC', { merchantAdviceCode: '03' }, 'hard', 'stop', 'mastercard.merchant_advice_code:03'],
  ['Mastercard MAC', { merchantAdviceCode: '21', network: 'mastercard' }, 'hard', 'stop', 'mastercard.merchant_advice_code:21'],
  ['Mastercard MAC', { merchantAdviceCode: '01' }, 'needs_customer_action', 'ask_customer', 'mastercard.merchant_advice_code:01'],
  ['Mastercard MAC', { merchantAdviceCode: '02' }, 'soft', 'retry', 'mastercard.merchant_advice_code:02'],
  ['MAC 03 outranks a soft gateway code', { provider: 'stripe', declineCode: 'insufficient_funds', merchantAdviceCode: '03: Do not try again' }, 'hard', 'stop', 'mastercard.merchant_advice_code:03'],
  ['a hard network code outranks a soft gateway code', { provider: 'adyen', code: '2', networkDeclineCode: '43' }, 'hard', 'stop', 'visa.response_code:43'],
  ['an unknown code is a soft decline', { provider: 'stripe', declineCode: 'something_new' }, 'soft', 'retry', 'default.unrecognised_code'],
];

describe('classification: every category with real codes from each gateway', () => {
  test.each(rows)('%s %j -> %s / %s', (_gateway, signals, category, action, rule) => {
    const decision = decide(signals);
    expect(decision).toMatchObject({ category, action, rule });
    expect(decision.explanation.length).toBeGreaterThan(10);
  });

  test('every decision lists the rule that made it in its trail of rules', () => {
    const decision = decide({ provider: 'stripe', declineCode: 'insufficient_funds', merchantAdviceCode: '26' });
    expect(decision.rules.map((r) => r.rule)).toEqual([
      'stripe.decline_code:insufficient_funds', 'mastercard.merchant_advice_code:26', 'policy.soft_schedule', 'mastercard.retry_after',
    ]);
  });

  test('network codes are read with their own network\'s table only', () => {
    expect(decide({ provider: 'stripe', declineCode: 'insufficient_funds', merchantAdviceCode: '03', network: 'visa' }).action).toBe('retry');
    expect(decide({ networkDeclineCode: '41', network: 'mastercard' }).rule).toBe('default.unrecognised_code');
  });

  test('ask_customer carries the reason and a message per reason', () => {
    const expired = decide({ provider: 'stripe', code: 'expired_card' });
    expect(expired).toMatchObject({ reason: 'expired_card', suggestedMessage: ASK_MESSAGES.expired_card });
    const auth = decide({ provider: 'adyen', code: '11' });
    expect(auth).toMatchObject({ reason: 'authentication_required', suggestedMessage: ASK_MESSAGES.authentication_required });
    expect(new Set(Object.values(ASK_MESSAGES)).size).toBe(Object.keys(ASK_MESSAGES).length);
  });

  test('stop carries the reason', () => {
    expect(decide({ provider: 'stripe', declineCode: 'stolen_card' }).reason).toBe('lost_or_stolen');
    expect(decide({ merchantAdviceCode: '21' }).reason).toBe('authorization_revoked');
  });
});

describe('retry timing', () => {
  test.each([
    ['24', 1], ['25', 24], ['26', 48], ['27', 96], ['28', 144], ['29', 192], ['30', 240],
  ])('Mastercard MAC %s: no retry before %i hours', (mac, hours) => {
    const decision = decide({ merchantAdviceCode: mac }, {}, { softRetryHours: [0.5] });
    expect(decision.action).toBe('retry');
    expect(decision.nextAttemptAt).toBe(new Date(FAILED_AT + hours * HOUR).toISOString());
    expect(decision.rules.map((r) => r.rule)).toContain('mastercard.retry_after');
  });

  test('the schedule is configurable and steps with each earlier attempt', () => {
    const policy = { softRetryHours: [6, 48] };
    const first = decide({ provider: 'stripe', declineCode: 'insufficient_funds' }, {}, policy);
    expect(first).toMatchObject({ retryNumber: 1, nextAttemptAt: new Date(FAILED_AT + 6 * HOUR).toISOString() });
    const second = decide({ provider: 'stripe', declineCode: 'insufficient_funds' }, { attempts: [{ at: FAILED_AT - DAY }] }, policy);
    expect(second).toMatchObject({ retryNumber: 2, nextAttemptAt: new Date(FAILED_AT + 48 * HOUR).toISOString() });
    const third = decide({ provider: 'stripe', declineCode: 'insufficient_funds' }, { attempts: [{ at: FAILED_AT - 2 * DAY }, { at: FAILED_AT - DAY }] }, policy);
    expect(third).toMatchObject({ action: 'ask_customer', rule: 'policy.schedule_exhausted', reason: 'update_payment_method' });
  });

  test('transient failures retry within minutes, then continue on the soft schedule', () => {
    const policy = { transientRetryMinutes: [15], softRetryHours: [24] };
    expect(decide({ provider: 'stripe', code: 'processing_error' }, {}, policy).nextAttemptAt).toBe(new Date(FAILED_AT + 15 * 60_000).toISOString());
    const later = decide({ provider: 'stripe', code: 'processing_error' }, { attempts: [{ at: FAILED_AT - HOUR }] }, policy);
    expect(later).toMatchObject({ rule: 'stripe.decline_code:processing_error', nextAttemptAt: new Date(FAILED_AT + DAY).toISOString() });
  });

  test('deterministic given now: a late decision is scheduled from now, and repeats exactly', () => {
    const input = { failedAt: FAILED_AT, attempts: [], now: FAILED_AT + 3 * DAY, signals: { provider: 'braintree', code: '2001' } };
    const a = decideRecovery(input);
    expect(a.nextAttemptAt).toBe(new Date(FAILED_AT + 3 * DAY).toISOString());
    expect(decideRecovery(input)).toEqual(a);
  });

  test('the customer\'s time zone moves a night-time retry to the morning', () => {
    // 24 h after 01:00 UTC is 21:00 in New York (EDT since 8 March 2026): moved to 08:00 EDT = 12:00 UTC.
    expect(decide({ provider: 'square', code: 'INSUFFICIENT_FUNDS' }, { timeZone: 'America/New_York' }).nextAttemptAt).toBe('2026-03-11T12:00:00.000Z');
    // ...and is 10:00 in Tokyo already: unchanged.
    expect(decide({ provider: 'square', code: 'INSUFFICIENT_FUNDS' }, { timeZone: 'Asia/Tokyo' }).nextAttemptAt).toBe('2026-03-11T01:00:00.000Z');
    // 02:00 in Berlin (CET) is before 08:00 the same day: 08:00 CET = 07:00 UTC.
    const berlin = decide({ provider: 'square', code: 'INSUFFICIENT_FUNDS' }, { timeZone: 'Europe/Berlin' }, { softRetryHours: [24] });
    expect(berlin.nextAttemptAt).toBe('2026-03-11T07:00:00.000Z');
    expect(berlin.rules.map((r) => r.rule)).toContain('policy.local_retry_window');
  });
});

describe('retry caps per card', () => {
  const spaced = (count: number, hours: number) => Array.from({ length: count }, (_, i) => ({ at: FAILED_AT - (count - i) * hours * HOUR }));
  const longSchedule = { softRetryHours: Array(30).fill(36) };
  const soft = { provider: 'stripe', declineCode: 'insufficient_funds' };

  test('a 16th retry within 30 days becomes Ask Customer', () => {
    // The original attempt and 14 retries before, this decline is retry 15: the next would be the 16th.
    const decision = decide(soft, { attempts: spaced(15, 36) }, longSchedule);
    expect(decision).toMatchObject({ action: 'ask_customer', rule: 'policy.max_retries_30_days' });
  });

  test('...or Stop when so configured', () => {
    const decision = decide(soft, { attempts: spaced(15, 36) }, { ...longSchedule, whenExhausted: 'stop' });
    expect(decision).toMatchObject({ action: 'stop', reason: 'retries_exhausted', rule: 'policy.max_retries_30_days' });
  });

  test('the 15th retry is still allowed', () => {
    expect(decide(soft, { attempts: spaced(14, 36) }, longSchedule)).toMatchObject({ action: 'retry', retryNumber: 15 });
  });

  test('retries older than 30 days do not count', () => {
    expect(decide(soft, { attempts: spaced(15, 72) }, longSchedule).action).toBe('retry');
  });

  test('attempts on another card do not count, and the current decline is counted once', () => {
    const attempts = [...spaced(15, 36).map((a) => ({ ...a, cardFingerprint: 'other' })), { at: FAILED_AT, cardFingerprint: 'fp' }];
    expect(decide(soft, { attempts, cardFingerprint: 'fp' }, longSchedule)).toMatchObject({ action: 'retry', retryNumber: 1 });
  });

  test('never more than 10 declines in 24 hours: the retry waits for the window', () => {
    const attempts = spaced(9, 0.5); // nine declines in the last 4.5 hours, plus this one = 10
    const decision = decide({ provider: 'stripe', code: 'processing_error' }, { attempts }, { transientRetryMinutes: Array(12).fill(15) });
    expect(decision.action).toBe('retry');
    expect(decision.nextAttemptAt).toBe(new Date(attempts[0].at + DAY).toISOString());
    expect(decision.rules.map((r) => r.rule)).toContain('policy.max_declines_24_hours');
  });
});

describe('signals from canonical events', () => {
  const event = (provider: string, failure: PaymentEvent['failure'], raw: unknown): PaymentEvent => ({
    id: 'evt_1', provider, type: 'x', kind: 'payment.failed', occurredAt: '2026-03-10T01:00:00Z', receivedAt: '2026-03-10T01:00:01Z',
    failure, idempotencyKey: `${provider}:evt_1`, raw,
  });

  test('Stripe: decline and advice codes from failure, network codes and brand from the raw intent', () => {
    const signals = signalsFromEvent(event('stripe', { code: 'card_declined', declineCode: 'insufficient_funds', adviceCode: 'try_again_later' }, {
      data: { object: { last_payment_error: { network_decline_code: '51', network_advice_code: '27', payment_method: { card: { brand: 'mastercard' } } } } },
    }));
    expect(signals).toEqual({
      provider: 'stripe', code: 'card_declined', declineCode: 'insufficient_funds', adviceCode: 'try_again_later',
      networkDeclineCode: '51', merchantAdviceCode: '27', network: 'mastercard',
    });
    const decision = decideRecovery({ signals, failedAt: FAILED_AT, attempts: [], now: FAILED_AT }, { softRetryHours: [1] });
    expect(decision.nextAttemptAt).toBe(new Date(FAILED_AT + 96 * HOUR).toISOString());
  });

  test('Adyen: refusal reason and the raw acquirer response from additionalData', () => {
    const signals = signalsFromEvent(event('adyen', { code: '2', message: 'Refused' }, {
      notificationItems: [{ NotificationRequestItem: { paymentMethod: 'visa', additionalData: { refusalReasonRaw: '41 : Lost card' } } }],
    }));
    expect(signals).toMatchObject({ networkDeclineCode: '41 : Lost card', network: 'visa' });
    expect(decideRecovery({ signals, failedAt: FAILED_AT, attempts: [], now: FAILED_AT })).toMatchObject({ action: 'stop', visaCategory: 1, reason: 'lost_or_stolen' });
  });
});
