import type { RetryConfig } from '../config/types';

/**
 * How much of each wait the jitter may take off. A floor (rather than "full jitter", which
 * may draw zero) keeps the retry window's length a promise: the default schedule reaches its
 * last attempt no sooner than 75 % of its nominal span (runtime/README, "Retry schedule").
 */
export const JITTER_SHARE = 0.25;

/** The wait before attempt `attempt + 1` without jitter: doubling from initialDelayMs, capped at maxDelayMs. */
export function nominalDelay(attempt: number, retry: RetryConfig): number {
  return Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * The wait before the next attempt: a uniform draw between 75 % and 100 % of the nominal
 * delay, so retries from many events do not arrive in waves. A destination's Retry-After
 * wins when it asks for longer, within maxDelayMs.
 */
export function retryDelay(
  attempt: number,
  retry: RetryConfig,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const jittered = Math.floor(nominalDelay(attempt, retry) * (1 - JITTER_SHARE * (1 - random())));
  return retryAfterMs === undefined ? jittered : Math.min(retry.maxDelayMs, Math.max(jittered, retryAfterMs));
}

/** Retry-After is either delay-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
