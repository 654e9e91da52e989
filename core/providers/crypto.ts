import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HeaderMap, Refusal, RefusalReason, VerifyResult } from './types';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

export function hmac(algorithm: HmacAlgorithm, key: string | Buffer, data: string | Buffer): Buffer {
  return createHmac(algorithm, key).update(data).digest();
}

/** Constant-time comparison of a computed digest with the signature the request carries. */
export function digestMatches(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/** Decodes a received signature strictly; null when it is not valid in that encoding. */
export function decodeSignature(value: string, encoding: SignatureEncoding): Buffer | null {
  const text = value.trim();
  if (encoding === 'hex') {
    return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : null;
  }
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : null;
}

/** Case-insensitive header lookup; a repeated header yields its first value. */
export function header(headers: HeaderMap, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

export function refuse(reason: RefusalReason, detail: string): Refusal {
  return { ok: false, reason, detail };
}

/**
 * Tries every configured secret against every signature the request carries. A secret
 * with surrounding whitespace is a common paste error: it is named in the diagnosis.
 */
export function matchAny(
  secrets: readonly string[],
  signatures: readonly Buffer[],
  compute: (secret: string) => Buffer,
): VerifyResult {
  if (secrets.length === 0) return refuse('missing_secret', 'no secret is configured for this source');
  for (let index = 0; index < secrets.length; index++) {
    const expected = compute(secrets[index]);
    for (const signature of signatures) {
      if (digestMatches(expected, signature)) return { ok: true, keyIndex: index };
    }
  }
  const padded = secrets.some((secret) => secret !== secret.trim());
  return refuse(
    'signature_mismatch',
    padded
      ? 'no configured secret produced the signature; a configured secret has leading or trailing whitespace, which is usually a paste error'
      : 'no configured secret produced the signature; check that the secret belongs to this endpoint and that the body reached us unmodified (a proxy or framework that re-serializes JSON breaks signatures)',
  );
}

/** Refuses timestamps outside the window in both directions (replays and clock skew). */
export function checkTimestamp(timestampSeconds: number, now: Date, toleranceSeconds: number): VerifyResult {
  if (!Number.isFinite(timestampSeconds)) return refuse('malformed_signature', 'the signature timestamp is not a number');
  const skew = Math.abs(now.getTime() / 1000 - timestampSeconds);
  if (skew > toleranceSeconds) {
    const direction = timestampSeconds * 1000 > now.getTime() ? 'in the future' : 'old';
    return refuse(
      'timestamp_outside_tolerance',
      `the signature timestamp is ${Math.round(skew)}s ${direction}, outside the ${toleranceSeconds}s tolerance`,
    );
  }
  return { ok: true };
}
