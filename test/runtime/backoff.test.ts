import { parseRetryAfter, retryDelay } from '../../runtime/src/delivery/backoff';
import { classify } from '../../runtime/src/delivery/post';

const retry = { maxAttempts: 10, initialDelayMs: 1_000, maxDelayMs: 30_000 };

describe('retryDelay (jitter with a floor)', () => {
  it('draws between 75 % and 100 % of an exponentially growing cap', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelay(attempt, retry, undefined, () => 0.999_999))).toEqual([999, 1_999, 3_999, 7_999]);
    expect(retryDelay(3, retry, undefined, () => 0)).toBe(3_000);
    expect(retryDelay(3, retry, undefined, () => 0.5)).toBe(3_500);
  });

  it('never exceeds maxDelayMs', () => {
    expect(retryDelay(40, retry, undefined, () => 0.999_999)).toBeLessThan(30_000);
  });

  it('waits at least as long as Retry-After, within maxDelayMs', () => {
    expect(retryDelay(1, retry, 5_000, () => 0.1)).toBe(5_000);
    expect(retryDelay(1, retry, 120_000, () => 0.1)).toBe(30_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads seconds and HTTP dates, ignores anything else', () => {
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('classify', () => {
  it('retries 408, 409, 429 and 5xx; other 4xx are permanent', () => {
    expect([200, 204].map(classify)).toEqual(['success', 'success']);
    expect([408, 409, 429, 500, 502, 503].map(classify)).toEqual(Array(6).fill('retry'));
    expect([301, 400, 401, 403, 404, 410, 422].map(classify)).toEqual(Array(7).fill('permanent'));
  });
});
