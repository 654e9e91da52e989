import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { HeaderMap, Refusal, RefusalReason, SourceConfig, VerifyResult, WebhookRequest } from './types';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

/** Bytes to sign: one buffer or text, or several parts hashed in order (no copy into one buffer). */
export type SignedData = string | Buffer | ReadonlyArray<string | Buffer>;

export function hmac(algorithm: HmacAlgorithm, key: string | Buffer, data: SignedData): Buffer {
  const digest = createHmac(algorithm, key);
  if (typeof data === 'string' || Buffer.isBuffer(data)) return digest.update(data).digest();
  for (const part of data) digest.update(part);
  return digest.digest();
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
  // Node and n8n hand over lowercased names: the direct lookup answers almost every request.
  const direct = headers[wanted];
  if (direct !== undefined) return Array.isArray(direct) ? direct[0] : direct;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

export function refuse(reason: RefusalReason, detail: string): Refusal {
  return { ok: false, reason, detail };
}

/** Tells a refusal from the value a step returns when it succeeds (a certificate, a token, a parsed answer). */
export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
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

/** Length of each algorithm's digest, so a truncated signature is named as such. */
export const DIGEST_BYTES: Readonly<Record<HmacAlgorithm, number>> = { sha1: 20, sha256: 32, sha512: 64 };

/** How a received signature is read: its encoding, the HMAC it must be, and where it came from (for diagnoses). */
export interface DigestReading {
  encoding: SignatureEncoding;
  algorithm: HmacAlgorithm;
  /** Names the signature in a refusal, e.g. `the HmacSignature header`. */
  source: string;
}

/**
 * Decodes one received signature and checks it has the digest's length: a signature in the
 * wrong encoding or cut short is malformed, which diagnoses better than a plain mismatch.
 */
export function decodeDigest(value: string, { encoding, algorithm, source }: DigestReading): Buffer | Refusal {
  const decoded = decodeSignature(value, encoding);
  if (decoded === null) return refuse('malformed_signature', `${source} is not ${encoding}`);
  if (decoded.length !== DIGEST_BYTES[algorithm]) {
    return refuse(
      'malformed_signature',
      `${source} decodes to ${decoded.length} bytes; an HMAC-${algorithm.toUpperCase()} has ${DIGEST_BYTES[algorithm]} (truncated or wrong encoding)`,
    );
  }
  return decoded;
}

/** How a gateway carries one HMAC in one header (Checkout.com, GoCardless, Shopify, ...). */
export interface HeaderHmacScheme {
  /** Header names in order of preference; the first one present is read. */
  headers: readonly string[];
  algorithm: HmacAlgorithm;
  encoding: SignatureEncoding;
  /** Text before the signature in the header value, e.g. `sha256=`. */
  prefix?: string;
}

/** The first present header of the scheme, with its name for diagnoses. */
export function schemeHeader(headers: HeaderMap, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = header(headers, name);
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

export interface HeaderHmacCheck {
  scheme: HeaderHmacScheme;
  headers: HeaderMap;
  /** The raw body, unless the gateway signs more than it (Square's URL, a generic-hmac template). */
  signedBytes: Buffer;
  secrets: readonly string[];
}

/** Verifies an HMAC carried in one header against every configured secret. */
export function verifyHeaderHmac({ scheme, headers, signedBytes, secrets }: HeaderHmacCheck): VerifyResult {
  if (secrets.length === 0) return refuse('missing_secret', 'no secret is configured for this source');
  const found = schemeHeader(headers, scheme.headers);
  if (found === undefined) return refuse('missing_signature', `the ${scheme.headers.join(' / ')} header is absent`);
  let value = found.value.trim();
  if (scheme.prefix) {
    if (!value.startsWith(scheme.prefix)) {
      return refuse('malformed_signature', `the ${found.name} header does not start with "${scheme.prefix}"`);
    }
    value = value.slice(scheme.prefix.length);
  }
  const signature = decodeDigest(value, { encoding: scheme.encoding, algorithm: scheme.algorithm, source: `the ${found.name} header` });
  if (!Buffer.isBuffer(signature)) return signature;
  return matchAny(secrets, [signature], (secret) => hmac(scheme.algorithm, secret, signedBytes));
}

/** The header value a gateway would send for these bytes: prefix and encoded HMAC. */
export function headerHmacValue(scheme: HeaderHmacScheme, secret: string, signedBytes: Buffer): string {
  return (scheme.prefix ?? '') + hmac(scheme.algorithm, secret, signedBytes).toString(scheme.encoding);
}

/**
 * Constant-time equality of two texts (credentials, configured header values): both are
 * hashed first so neither their content nor their length leaks through timing.
 */
export function textMatches(expected: string, received: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(received));
}

/** The secret `sign()` uses for test events: the first configured one. */
export function signingSecret(secrets: readonly string[], provider: string): string {
  const secret = secrets[0];
  if (secret === undefined) throw new Error(`${provider}: configure a secret to sign a test event`);
  return secret;
}

/** The replay window when a source sets none: the 300 s Stripe and Standard Webhooks use. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function toleranceSeconds(config: SourceConfig): number {
  const configured = config.toleranceSeconds;
  return typeof configured === 'number' && Number.isFinite(configured) && configured > 0
    ? configured
    : DEFAULT_TOLERANCE_SECONDS;
}

/**
 * Splits a `key=value` list such as Stripe's `t=..,v1=..,v1=..` or Paddle's `ts=..;h1=..`,
 * keeping repeated keys (several signatures while a secret rotates) in order.
 */
export function keyValueList(value: string, separator: string): Array<{ key: string; value: string }> {
  return value.split(separator).flatMap((part) => {
    const at = part.indexOf('=');
    return at <= 0 ? [] : [{ key: part.slice(0, at).trim(), value: part.slice(at + 1).trim() }];
  });
}

/**
 * Decodes every signature a header carries; those that do not decode to a digest are dropped.
 * When none is left, the refusal of the first one says why (wrong encoding, truncated).
 */
export function decodeDigests(values: readonly string[], reading: DigestReading): Buffer[] | Refusal {
  const decoded = values.map((value) => decodeDigest(value, reading));
  const digests = decoded.filter((entry): entry is Buffer => Buffer.isBuffer(entry));
  if (digests.length > 0) return digests;
  return decoded.find((entry): entry is Refusal => !Buffer.isBuffer(entry)) ?? refuse('missing_signature', `${reading.source} carries no signature`);
}

/** The signatures a timed request carries, how to compute one for a secret, and when it was signed. */
export interface TimedSignatures {
  signatures: readonly Buffer[];
  compute: (secret: string) => Buffer;
  timestampSeconds: number;
  now: Date;
}

/**
 * Tries every secret against every signature, then checks the timestamp: checked in that
 * order, a stale timestamp is only reported for an otherwise genuine request.
 */
export function matchThenCheckTime(config: SourceConfig, { signatures, compute, timestampSeconds, now }: TimedSignatures): VerifyResult {
  const matched = matchAny(config.secrets, signatures, compute);
  if (!matched.ok) return matched;
  const fresh = checkTimestamp(timestampSeconds, now, toleranceSeconds(config));
  return fresh.ok ? matched : fresh;
}

/**
 * A `key=value` signature header with one timestamp and one or more HMACs over a template of
 * the timestamp and the body: Stripe's `t=…,v1=…` and Paddle's `ts=…;h1=…`.
 */
export interface TimedHeaderScheme {
  /** The header name, as the gateway documents it (looked up case-insensitively). */
  header: string;
  separator: string;
  timestampKey: string;
  signatureKey: string;
  algorithm: HmacAlgorithm;
  encoding: SignatureEncoding;
  /** The bytes signed for a timestamp and body, as parts (the body is not copied). */
  signedParts(timestamp: string, rawBody: Buffer): ReadonlyArray<string | Buffer>;
}

export interface TimedHeaderCheck {
  scheme: TimedHeaderScheme;
  request: WebhookRequest;
  config: SourceConfig;
  now: Date;
}

/** Verifies a timed `key=value` signature header (Stripe, Paddle) against every configured secret. */
export function verifyTimedHeader({ scheme, request, config, now }: TimedHeaderCheck): VerifyResult {
  const value = header(request.headers, scheme.header);
  if (value === undefined || value.trim() === '') return refuse('missing_signature', `the ${scheme.header} header is absent`);
  const pairs = keyValueList(value, scheme.separator);
  const timestamps = pairs.filter((pair) => pair.key === scheme.timestampKey).map((pair) => pair.value);
  if (timestamps.length !== 1 || !/^\d+$/.test(timestamps[0])) {
    return refuse('malformed_signature', `the ${scheme.header} header needs exactly one numeric ${scheme.timestampKey}= element`);
  }
  const values = pairs.filter((pair) => pair.key === scheme.signatureKey).map((pair) => pair.value);
  if (values.length === 0) return refuse('malformed_signature', `the ${scheme.header} header has no ${scheme.signatureKey}= signature`);
  const signatures = decodeDigests(values, {
    encoding: scheme.encoding,
    algorithm: scheme.algorithm,
    source: `the ${scheme.header} ${scheme.signatureKey} element`,
  });
  if (!Array.isArray(signatures)) return signatures;
  const signed = scheme.signedParts(timestamps[0], request.rawBody);
  return matchThenCheckTime(config, {
    signatures,
    compute: (secret) => hmac(scheme.algorithm, secret, signed),
    timestampSeconds: Number(timestamps[0]),
    now,
  });
}

/** What a test event is signed with: the secret, the body and the instant it is signed at. */
export interface TimedSigning {
  secret: string;
  body: Buffer;
  now: Date;
}

/** The header value the gateway would send for these bytes, signed at `now`. */
export function timedHeaderValue(scheme: TimedHeaderScheme, { secret, body, now }: TimedSigning): string {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = hmac(scheme.algorithm, secret, scheme.signedParts(timestamp, body)).toString(scheme.encoding);
  return `${scheme.timestampKey}=${timestamp}${scheme.separator}${scheme.signatureKey}=${signature}`;
}
