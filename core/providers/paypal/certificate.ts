/**
 * PayPal's `offline` check: the signing certificate is fetched from PayPal's API hosts only,
 * checked with node:crypto's X509Certificate (validity at `now`, chain to one of the pinned
 * roots in signing-roots.ts, issued to PayPal's message-verification host), cached per URL, and
 * the delivery's RSA-SHA256 signature checked against it.
 */
import { createVerify, X509Certificate } from 'node:crypto';
import { decodeSignature, isRefusal, refuse } from '../crypto';
import { callGatewayApi } from '../payload';
import type { ProviderContext, Refusal, VerifyResult } from '../types';
import { PAYPAL_SIGNING_ROOTS } from './signing-roots';
import { signedMessage, type Delivery } from './transmission';

/**
 * Where PayPal serves its signing certificates (`/v1/notifications/certs/CERT-…`). An exact
 * list rather than `*.paypal.com`: the URL comes from the request, so a wildcard would trust
 * any PayPal subdomain, including ones that host other content or might be taken over; PayPal
 * only uses its API hosts here. HTTPS proves the host; the chain and subject checks below are
 * a second, independent line.
 */
export const PAYPAL_CERTIFICATE_ORIGINS: readonly string[] = [
  'https://api.paypal.com',
  'https://api-m.paypal.com',
  'https://api.sandbox.paypal.com',
  'https://api-m.sandbox.paypal.com',
];

/** Where under those hosts PayPal serves its signing certificate chains. */
const SIGNING_CHAIN_PATH = '/v1/notifications/certs/';

/** The names PayPal's webhook signing certificates are issued to. */
const SIGNING_HOSTS = ['messageverificationcerts.paypal.com', 'messageverificationcerts.sandbox.paypal.com'];

/** A PayPal certificate bundle is a few kilobytes; anything far larger is not one. */
const MAX_CERTIFICATE_BYTES = 64 * 1024;
const MAX_CHAIN_LENGTH = 5;
/**
 * Certificates kept per instance by default. PayPal signs with a handful at a time; the
 * certificate URL comes from a request header, so the cache is bounded, least recently used out.
 */
export const CACHED_CERTIFICATES = 16;

/** Keyed by the certificate's origin and path (`https://api.paypal.com/v1/notifications/certs/CERT-…`), never a query. */
export interface CertificateCache {
  get(location: string): string | undefined;
  set(location: string, pem: string): unknown;
}

export interface CertificateVerifierOptions {
  /** Validated certificate bundles (PEM). */
  cache: CertificateCache;
  /** Origins certificates may be fetched from. */
  origins: readonly string[];
}

function splitPem(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

function validAt(certificate: X509Certificate, now: Date): boolean {
  return new Date(certificate.validFrom) <= now && now <= new Date(certificate.validTo);
}

function issuedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  return certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
}

/**
 * The certificate PEM. PayPal's certificate host down, timing out or answering 5xx, 408 or
 * 429 is `confirm_unavailable` (answered 503, so PayPal retries); any other answer refuses.
 */
async function fetchCertificate(url: URL, context: ProviderContext): Promise<string | Refusal> {
  const answer = await callGatewayApi(url, {}, context);
  if (!answer.ok) return answer.reason === 'confirm_unavailable' ? answer : refuse('certificate_invalid', answer.detail);
  if (answer.body.length > MAX_CERTIFICATE_BYTES) return refuse('certificate_invalid', 'the certificate URL answered with an oversized body');
  return answer.body.toString('utf8');
}

/** Verifies deliveries with PayPal's signing certificates; holds the certificate cache of one provider instance. */
export class CertificateVerifier {
  private trustedRoots: X509Certificate[] | undefined;

  constructor(private readonly options: CertificateVerifierOptions) {}

  async verify(delivery: Delivery, rawBody: Buffer, context: ProviderContext): Promise<VerifyResult> {
    const { transmission } = delivery;
    if (transmission.algorithm.toUpperCase() !== 'SHA256WITHRSA') {
      return refuse('malformed_signature', `PAYPAL-AUTH-ALGO ${transmission.algorithm} is not SHA256withRSA`);
    }
    const signature = decodeSignature(transmission.signature, 'base64');
    if (signature === null) return refuse('malformed_signature', 'PAYPAL-TRANSMISSION-SIG is not base64');
    const certificate = await this.signingCertificate(transmission.certUrl, context);
    if (isRefusal(certificate)) return certificate;
    const modulusBits = certificate.publicKey.asymmetricKeyDetails?.modulusLength;
    if (modulusBits !== undefined && signature.length !== modulusBits / 8) {
      return refuse('malformed_signature', `PAYPAL-TRANSMISSION-SIG has ${signature.length} bytes; the certificate's key signs ${modulusBits / 8}`);
    }
    const valid = createVerify('RSA-SHA256').update(signedMessage(delivery, rawBody)).verify(certificate.publicKey, signature);
    return valid
      ? { ok: true }
      : refuse('signature_mismatch', 'the signature does not match: check webhookId and that the body reached us unmodified');
  }

  /** The pinned roots, parsed once per instance and only when first needed. */
  private roots(): X509Certificate[] {
    this.trustedRoots ??= PAYPAL_SIGNING_ROOTS.map((pem) => new X509Certificate(pem));
    return this.trustedRoots;
  }

  private checkCertificateUrl(value: string): URL | Refusal {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return refuse('certificate_invalid', 'PAYPAL-CERT-URL is not a URL');
    }
    if (!this.options.origins.includes(url.origin) || url.username !== '' || url.password !== '') {
      return refuse('certificate_invalid', `PAYPAL-CERT-URL points at ${url.origin}, which is not one of PayPal's certificate hosts`);
    }
    if (!url.pathname.startsWith(SIGNING_CHAIN_PATH)) {
      return refuse('certificate_invalid', `PAYPAL-CERT-URL's path is not under ${SIGNING_CHAIN_PATH}`);
    }
    return url;
  }

  /**
   * The leaf must be issued to PayPal's signing host, and it and every issuer up to a pinned
   * root must be valid at `now` and verify the next one's signature.
   */
  private checkChain(certificates: X509Certificate[], now: Date): X509Certificate | Refusal {
    const [leaf, ...intermediates] = certificates;
    if (leaf === undefined) return refuse('certificate_invalid', 'the certificate URL served no certificate');
    if (!SIGNING_HOSTS.some((host) => leaf.checkHost(host) !== undefined)) {
      return refuse('certificate_invalid', `the certificate is not issued to ${SIGNING_HOSTS.join(' or ')}`);
    }
    let current = leaf;
    for (let depth = 0; depth < MAX_CHAIN_LENGTH; depth++) {
      if (!validAt(current, now)) {
        return refuse('certificate_invalid', `${current.subject.split('\n').pop()} is not valid at ${now.toISOString()} (valid ${current.validFrom} to ${current.validTo})`);
      }
      const root = this.roots().find((candidate) => candidate.subject === current.issuer && issuedBy(current, candidate));
      if (root !== undefined) {
        return validAt(root, now) ? leaf : refuse('certificate_invalid', 'the trusted root is not valid at this time');
      }
      const issuer = intermediates.find((candidate) => candidate !== current && candidate.ca && issuedBy(current, candidate));
      if (issuer === undefined) {
        return refuse('certificate_invalid', `the chain does not reach a trusted root: no issuer for ${current.issuer.split('\n').pop()}`);
      }
      current = issuer;
    }
    return refuse('certificate_invalid', `the chain is longer than ${MAX_CHAIN_LENGTH} certificates`);
  }

  /**
   * The validated signing certificate, from the cache or fetched (and cached once valid). Only
   * the allowed origin and the path are used: a query or fragment in the header changes neither
   * what is fetched nor the cache key, so it cannot add entries.
   */
  private async signingCertificate(certUrl: string, context: ProviderContext): Promise<X509Certificate | Refusal> {
    const checked = this.checkCertificateUrl(certUrl);
    if (isRefusal(checked)) return checked;
    const url = new URL(checked.pathname, checked.origin);
    const cached = this.options.cache.get(url.href);
    const pem = cached ?? (await fetchCertificate(url, context));
    if (isRefusal(pem)) return pem;
    let certificates: X509Certificate[];
    try {
      certificates = splitPem(pem);
    } catch (error) {
      return refuse('certificate_invalid', `the certificate cannot be parsed: ${(error as Error).message}`);
    }
    const leaf = this.checkChain(certificates, context.now);
    if (!isRefusal(leaf) && cached === undefined) this.options.cache.set(url.href, pem);
    return leaf;
  }
}
