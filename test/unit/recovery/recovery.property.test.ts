import fc from 'fast-check';
import { ALL_CODES, RECOVERY_ACTIONS, decideRecovery, type DeclineSignals } from '../../../core/recovery';
import { signalsCarrying } from './code-signals';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-03-10T12:00:00Z');

/** A gateway or network code from the tables, or something no table knows. */
const signalsArb: fc.Arbitrary<DeclineSignals> = fc.oneof(
  fc.constantFrom(...ALL_CODES).map(signalsCarrying),
  fc.record({ provider: fc.constantFrom('stripe', 'adyen', 'acme'), code: fc.string({ maxLength: 8 }) }),
);

describe('recovery properties', () => {
  test('one action per decline; a retry is never before now, the failure or a MAC wait, and never breaks the per-card caps', () => {
    fc.assert(
      fc.property(
        signalsArb,
        fc.array(fc.integer({ min: 1, max: 40 * 24 * 60 }), { maxLength: 25 }),
        fc.integer({ min: 0, max: 3 * 24 * 60 }),
        fc.array(fc.integer({ min: 0, max: 72 }), { minLength: 1, maxLength: 20 }),
        (signals, minutesBefore, lateMinutes, softRetryHours) => {
          const failedAt = NOW - lateMinutes * 60_000;
          const attempts = minutesBefore.map((minutes) => ({ at: failedAt - minutes * 60_000 }));
          const decision = decideRecovery({ signals, failedAt, attempts, now: NOW }, { softRetryHours });
          expect(RECOVERY_ACTIONS).toContain(decision.action);
          expect(decision.rules.map((r) => r.rule)).toContain(decision.rule);
          if (decision.category === 'hard') expect(decision.action).toBe('stop');
          if (decision.category === 'fraud') expect(decision.action).toBe('review');
          if (decision.action !== 'retry') return;

          const next = Date.parse(decision.nextAttemptAt!);
          expect(next).toBeGreaterThanOrEqual(NOW);
          const wait = Math.max(0, ...ALL_CODES.filter((r) => r.source === 'mastercard.merchant_advice_code' && r.code === signals.merchantAdviceCode).map((r) => r.retryAfterHours ?? 0));
          expect(next).toBeGreaterThanOrEqual(failedAt + wait * HOUR);
          const declines = [...new Set([...attempts.map((a) => a.at), failedAt])].sort((a, b) => a - b);
          expect(declines.filter((at) => at > next - DAY).length).toBeLessThan(10);
          expect(declines.slice(1).filter((at) => at > next - 30 * DAY).length + 1).toBeLessThanOrEqual(15);
        },
      ),
      { numRuns: 500, seed: 20260310 },
    );
  });
});
