import type { RetryConfig } from '../config/types';

/**
 * The wait before the next attempt: "full jitter" (a uniform draw between zero and an
 * exponentially growing cap), so retries from many events do not arrive in waves. A
 * destination's Retry-After wins when it asks for longer, within maxDelayMs.
 */
export function retryDelay(
  attempt: number,
  retry: RetryConfig,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const cap = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * cap);
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
