import type { onRequestAsyncHookHandler } from 'fastify';
import { logRefusal } from './refusal';

/**
 * Per-address token buckets: each client address may send `perSecond` requests a second on
 * average and `burst` at once; beyond that it gets 429 with Retry-After, before any
 * signature is checked, so one flooding address cannot starve the others. The address is
 * the socket's peer (Fastify's `request.ip`; trustProxy is off, so X-Forwarded-For cannot
 * choose it). Gateways treat 429 as "retry later".
 */
export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  /** Buckets kept at most; idle (full) buckets are dropped first, so memory stays bounded. */
  maxAddresses?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const DEFAULT_MAX_ADDRESSES = 100_000;

export class AddressRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: RateLimitOptions) {}

  /** Takes one token for `address`; returns 0 when allowed, else the milliseconds until one is free. */
  take(address: string): number {
    const { perSecond, burst } = this.options;
    const now = (this.options.now ?? Date.now)();
    const bucket = this.buckets.get(address) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * perSecond) / 1000);
    bucket.at = now;
    // Re-inserting keeps the map in least-recently-seen order for eviction.
    this.buckets.delete(address);
    this.buckets.set(address, bucket);
    this.evict();
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / perSecond);
  }

  private evict(): void {
    const max = this.options.maxAddresses ?? DEFAULT_MAX_ADDRESSES;
    for (const address of this.buckets.keys()) {
      if (this.buckets.size <= max) return;
      this.buckets.delete(address);
    }
  }
}

/**
 * A route's onRequest hook limiting each client address. Hooked on the route itself, it runs
 * once the router has matched the decoded path, so `/%77ebhooks/x` is limited as `/webhooks/x` is.
 */
export function perAddressRateLimit(options: RateLimitOptions): onRequestAsyncHookHandler {
  const limiter = new AddressRateLimiter(options);
  return async (request, reply) => {
    const waitMs = limiter.take(request.ip);
    if (waitMs === 0) return;
    logRefusal(request, { status: 429, outcome: 'rate_limited' });
    return reply
      .code(429)
      .header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))))
      .send({ error: 'too many requests' });
  };
}
