/**
 * Verify and sign for the gateways that put one HMAC of the body in one header (Checkout.com,
 * GoCardless, Lemon Squeezy, Mollie, Paystack, Razorpay, Shopify, Square, generic-hmac): each
 * gateway names its scheme and adds only what is its own.
 */
import { headerHmacValue, signingSecret, verifyHeaderHmac, type HeaderHmacScheme } from './crypto';
import type { SignedRequest, SourceConfig, VerifyResult, WebhookRequest } from './types';

export type HeaderHmacVerify = (request: WebhookRequest, config: SourceConfig) => Promise<VerifyResult>;

/** A gateway's verify when the signature covers the raw body alone: every configured secret is tried. */
export function headerHmacVerifier(scheme: HeaderHmacScheme): HeaderHmacVerify {
  return async (request, config) => verifyHeaderHmac({ scheme, headers: request.headers, signedBytes: request.rawBody, secrets: config.secrets });
}

export interface HeaderHmacSigning {
  scheme: HeaderHmacScheme;
  /** Named in the error when the source has no secret to sign with. */
  providerId: string;
  body: Buffer;
  config: SourceConfig;
  /** What the gateway signs when it is more than the body (Square's URL, a generic-hmac template). */
  signedBytes?: Buffer;
  /** The gateway's other headers (topic, event id, ...), sent beside the signature. */
  headers?: Record<string, string>;
}

/** A JSON body signed as the gateway does, the signature in the scheme's first header, for `send-test-event`. */
export function signHeaderHmac({ scheme, providerId, body, config, signedBytes, headers }: HeaderHmacSigning): SignedRequest {
  const signature = headerHmacValue(scheme, signingSecret(config.secrets, providerId), signedBytes ?? body);
  return { body, headers: { 'content-type': 'application/json', ...headers, [scheme.headers[0].toLowerCase()]: signature } };
}
