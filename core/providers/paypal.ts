/**
 * PayPal signs each delivery with its own private key: `PAYPAL-TRANSMISSION-SIG` is the base64
 * RSA-SHA256 signature of `{transmissionId}|{transmissionTime}|{webhookId}|{crc32(rawBody)}`,
 * verifiable with the certificate at `PAYPAL-CERT-URL`. Two modes:
 *
 * - `offline` (default): the certificate is fetched from PayPal's API hosts only, checked
 *   (validity at `now`, chain to a root Node trusts, issued to PayPal's message-verification
 *   host), cached per URL in the provider instance, and the signature checked here.
 * - `api`: PayPal's `verify-webhook-signature` endpoint does the check, with the source's
 *   REST credentials.
 *
 * PayPal needs state (the certificate and token caches), so the provider is built by a
 * factory; the registry holds one default instance.
 */
import { createHash, createVerify, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { EventKind, PaymentEvent } from '../event';
import { apiPathSegment } from './api-path';
import { BoundedCache } from './bounded-cache';
import { decodeSignature, header, refuse } from './crypto';
import {
  callGatewayApi,
  canonicalEvent,
  decimalAmount,
  fullName,
  isoTime,
  kindFrom,
  malformedBody,
  nonEmpty,
  parseJsonObject,
  pick,
  pickObject,
  pickString,
  requestJsonObject,
  type JsonObject,
} from './payload';
import type {
  ConfirmResult,
  NormalizeResult,
  Provider,
  ProviderContext,
  Refusal,
  SourceConfig,
  VerifyResult,
  WebhookRequest,
  ProviderSettings,
} from './types';

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

const CERTIFICATE_PATH = '/v1/notifications/certs/';

/** The names PayPal's webhook signing certificates are issued to. */
const SIGNING_HOSTS = ['messageverificationcerts.paypal.com', 'messageverificationcerts.sandbox.paypal.com'];

const API_BASE_URLS = { live: 'https://api-m.paypal.com', sandbox: 'https://api-m.sandbox.paypal.com' } as const;

type Environment = keyof typeof API_BASE_URLS;

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

export interface PayPalProviderOptions {
  /** Validated certificate bundles (PEM); a BoundedCache of CACHED_CERTIFICATES per instance by default. */
  certificateCache?: CertificateCache;
  /**
   * Origins certificates may be fetched from. Defaults to PayPal's API hosts; tests add a
   * loopback origin here, and nothing else should.
   */
  certificateOrigins?: readonly string[];
  /** REST API base URLs for `api` mode and `confirm`; tests point them at loopback. */
  apiBaseUrls?: Readonly<Record<Environment, string>>;
}

const TRANSMISSION_HEADERS = {
  id: 'paypal-transmission-id',
  time: 'paypal-transmission-time',
  signature: 'paypal-transmission-sig',
  certUrl: 'paypal-cert-url',
  algorithm: 'paypal-auth-algo',
} as const;

type Transmission = Record<keyof typeof TRANSMISSION_HEADERS, string>;

function transmissionOf(request: WebhookRequest): Transmission | Refusal {
  const values = Object.fromEntries(
    Object.entries(TRANSMISSION_HEADERS).map(([field, name]) => [field, header(request.headers, name)?.trim() ?? '']),
  ) as Transmission;
  const missing = Object.entries(TRANSMISSION_HEADERS).filter(([field]) => values[field as keyof Transmission] === '');
  if (missing.length > 0) return refuse('missing_signature', `missing ${missing.map(([, name]) => name.toUpperCase()).join(', ')}`);
  return values;
}

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib), as PayPal puts it in the signed message. */
export function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function signedMessage(transmission: Transmission, webhookId: string, rawBody: Buffer): string {
  return `${transmission.id}|${transmission.time}|${webhookId}|${crc32(rawBody)}`;
}

function webhookIdOf(config: SourceConfig): string | undefined {
  return typeof config.webhookId === 'string' && config.webhookId.trim() !== '' ? config.webhookId.trim() : undefined;
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

function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: null,
  fields: [
    {
      name: 'webhookId',
      displayName: 'Webhook ID',
      type: 'string',
      default: '',
      required: true,
      description: 'In PayPal: Apps & Credentials → your app → Webhooks → the ID of this webhook',
    },
    {
      name: 'mode',
      displayName: 'Check Signatures',
      type: 'options',
      default: 'offline',
      options: [
        { name: 'With PayPal’s Certificate (Recommended)', value: 'offline' },
        { name: 'By Asking PayPal’s API', value: 'api' },
      ],
      description: 'How to check that a webhook really comes from PayPal',
    },
    {
      name: 'clientId',
      displayName: 'Client ID',
      type: 'string',
      default: '',
      required: true,
      showWhen: { field: 'mode', values: ['api'] },
      description: 'Your PayPal app’s client ID',
    },
    {
      name: 'clientSecret',
      displayName: 'Client Secret',
      type: 'string',
      password: true,
      default: '',
      required: true,
      showWhen: { field: 'mode', values: ['api'] },
      description: 'Your PayPal app’s secret',
    },
    {
      name: 'environment',
      displayName: 'Environment',
      type: 'options',
      default: 'live',
      options: [
        { name: 'Live', value: 'live' },
        { name: 'Sandbox', value: 'sandbox' },
      ],
      showWhen: { field: 'mode', values: ['api'] },
      description: 'Which PayPal environment the app belongs to',
    },
  ],
};

export function createPayPalProvider(options: PayPalProviderOptions = {}): Provider {
  const certificateCache: CertificateCache = options.certificateCache ?? new BoundedCache<string>(CACHED_CERTIFICATES);
  const certificateOrigins = options.certificateOrigins ?? PAYPAL_CERTIFICATE_ORIGINS;
  const apiBaseUrls = options.apiBaseUrls ?? API_BASE_URLS;
  const tokens = new Map<string, { token: string; expiresAt: number }>();
  let trustedRoots: X509Certificate[] | undefined;

  /** Node's bundled roots, parsed once per instance and only when first needed. */
  function roots(): X509Certificate[] {
    trustedRoots ??= rootCertificates.map((pem) => new X509Certificate(pem));
    return trustedRoots;
  }

  function checkCertificateUrl(value: string): URL | Refusal {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return refuse('certificate_invalid', 'PAYPAL-CERT-URL is not a URL');
    }
    if (!certificateOrigins.includes(url.origin) || url.username !== '' || url.password !== '') {
      return refuse('certificate_invalid', `PAYPAL-CERT-URL points at ${url.origin}, which is not one of PayPal's certificate hosts`);
    }
    if (!url.pathname.startsWith(CERTIFICATE_PATH)) {
      return refuse('certificate_invalid', `PAYPAL-CERT-URL's path is not under ${CERTIFICATE_PATH}`);
    }
    return url;
  }

  /**
   * The leaf must be issued to PayPal's signing host, and it and every issuer up to a root in
   * Node's trust store must be valid at `now` and verify the next one's signature.
   */
  function checkChain(certificates: X509Certificate[], now: Date): X509Certificate | Refusal {
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
      const root = roots().find((candidate) => candidate.subject === current.issuer && issuedBy(current, candidate));
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
   * The certificate PEM. PayPal's certificate host down, timing out or answering 5xx, 408 or
   * 429 is `confirm_unavailable` (answered 503, so PayPal retries); any other answer refuses.
   */
  async function fetchCertificate(url: URL, context: ProviderContext): Promise<string | Refusal> {
    const answer = await callGatewayApi(url, {}, context);
    if (!answer.ok) return answer.reason === 'confirm_unavailable' ? answer : refuse('certificate_invalid', answer.detail);
    if (answer.body.length > MAX_CERTIFICATE_BYTES) return refuse('certificate_invalid', 'the certificate URL answered with an oversized body');
    return answer.body.toString('utf8');
  }

  /**
   * The validated signing certificate, from the cache or fetched (and cached once valid). Only
   * the allowed origin and the path are used: a query or fragment in the header changes neither
   * what is fetched nor the cache key, so it cannot add entries.
   */
  async function signingCertificate(certUrl: string, context: ProviderContext): Promise<X509Certificate | Refusal> {
    const checked = checkCertificateUrl(certUrl);
    if (isRefusal(checked)) return checked;
    const url = new URL(checked.pathname, checked.origin);
    const cached = certificateCache.get(url.href);
    const pem = cached ?? (await fetchCertificate(url, context));
    if (isRefusal(pem)) return pem;
    let certificates: X509Certificate[];
    try {
      certificates = splitPem(pem);
    } catch (error) {
      return refuse('certificate_invalid', `the certificate cannot be parsed: ${(error as Error).message}`);
    }
    const leaf = checkChain(certificates, context.now);
    if (!isRefusal(leaf) && cached === undefined) certificateCache.set(url.href, pem);
    return leaf;
  }

  async function verifyOffline(request: WebhookRequest, config: SourceConfig, context: ProviderContext): Promise<VerifyResult> {
    const transmission = transmissionOf(request);
    if (isRefusal(transmission)) return transmission;
    const webhookId = webhookIdOf(config);
    if (webhookId === undefined) return refuse('missing_secret', 'webhookId is not configured: PayPal signs it with every delivery');
    if (transmission.algorithm.toUpperCase() !== 'SHA256WITHRSA') {
      return refuse('malformed_signature', `PAYPAL-AUTH-ALGO ${transmission.algorithm} is not SHA256withRSA`);
    }
    const signature = decodeSignature(transmission.signature, 'base64');
    if (signature === null) return refuse('malformed_signature', 'PAYPAL-TRANSMISSION-SIG is not base64');
    const certificate = await signingCertificate(transmission.certUrl, context);
    if (isRefusal(certificate)) return certificate;
    const modulusBits = certificate.publicKey.asymmetricKeyDetails?.modulusLength;
    if (modulusBits !== undefined && signature.length !== modulusBits / 8) {
      return refuse('malformed_signature', `PAYPAL-TRANSMISSION-SIG has ${signature.length} bytes; the certificate's key signs ${modulusBits / 8}`);
    }
    const message = signedMessage(transmission, webhookId, request.rawBody);
    const valid = createVerify('RSA-SHA256').update(message).verify(certificate.publicKey, signature);
    return valid
      ? { ok: true }
      : refuse('signature_mismatch', 'the signature does not match: check webhookId and that the body reached us unmodified');
  }

  function environmentOf(config: SourceConfig): Environment {
    return config.environment === 'sandbox' ? 'sandbox' : 'live';
  }

  function credentialsOf(config: SourceConfig): { clientId: string; clientSecret: string } | undefined {
    const { clientId, clientSecret } = config;
    return typeof clientId === 'string' && clientId !== '' && typeof clientSecret === 'string' && clientSecret !== ''
      ? { clientId, clientSecret }
      : undefined;
  }

  /** An OAuth token for the source's credentials, reused until shortly before it expires. */
  async function accessToken(config: SourceConfig, context: ProviderContext): Promise<string | Refusal> {
    const credentials = credentialsOf(config);
    if (credentials === undefined) return refuse('missing_secret', 'clientId and clientSecret are needed for PayPal API calls');
    const environment = environmentOf(config);
    // Keyed by a digest of the whole credential, so a changed secret never reuses a token.
    const cacheKey = createHash('sha256').update(`${environment}\n${credentials.clientId}\n${credentials.clientSecret}`).digest('hex');
    const cached = tokens.get(cacheKey);
    if (cached !== undefined && cached.expiresAt > context.now.getTime()) return cached.token;
    const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64');
    const answer = await requestJsonObject(
      `${apiBaseUrls[environment]}/v1/oauth2/token`,
      {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: 'grant_type=client_credentials',
      },
      context,
    );
    if (isRefusal(answer)) return answer;
    const token = pickString(answer.value, 'access_token');
    if (token === undefined) return refuse('confirm_failed', 'POST /v1/oauth2/token answered without access_token');
    const lifetimeSeconds = typeof answer.value.expires_in === 'number' ? answer.value.expires_in : 0;
    // Renewed a minute early, so a token never expires between this check and its use.
    tokens.set(cacheKey, { token, expiresAt: context.now.getTime() + Math.max(0, lifetimeSeconds - 60) * 1000 });
    return token;
  }

  async function verifyWithApi(request: WebhookRequest, config: SourceConfig, context: ProviderContext): Promise<VerifyResult> {
    const transmission = transmissionOf(request);
    if (isRefusal(transmission)) return transmission;
    const webhookId = webhookIdOf(config);
    if (webhookId === undefined) return refuse('missing_secret', 'webhookId is not configured: PayPal signs it with every delivery');
    const event = parseJsonObject(request.rawBody);
    if (!event.ok) return refuse('body_unreadable', event.detail);
    const token = await accessToken(config, context);
    if (isRefusal(token)) return token;
    const fields = JSON.stringify({
      auth_algo: transmission.algorithm,
      cert_url: transmission.certUrl,
      transmission_id: transmission.id,
      transmission_sig: transmission.signature,
      transmission_time: transmission.time,
      webhook_id: webhookId,
    });
    // The event goes in as the bytes received, not re-serialized: PayPal checks its CRC.
    const body = Buffer.concat([Buffer.from(`${fields.slice(0, -1)},"webhook_event":`), request.rawBody, Buffer.from('}')]);
    const answer = await requestJsonObject(
      `${apiBaseUrls[environmentOf(config)]}/v1/notifications/verify-webhook-signature`,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }, body },
      context,
    );
    if (isRefusal(answer)) return answer;
    const status = pickString(answer.value, 'verification_status');
    return status === 'SUCCESS'
      ? { ok: true }
      : refuse('signature_mismatch', `PayPal answered verification_status ${status ?? 'missing'} for this delivery`);
  }

  async function verify(request: WebhookRequest, config: SourceConfig, context: ProviderContext): Promise<VerifyResult> {
    return config.mode === 'api' ? verifyWithApi(request, config, context) : verifyOffline(request, config, context);
  }

  /** Fetches the event by id from PayPal (needs the api-mode credentials) and normalizes it. */
  async function confirm(event: PaymentEvent, config: SourceConfig, context: ProviderContext): Promise<ConfirmResult> {
    const segment = apiPathSegment(event.id, 'the PayPal event id');
    if (isRefusal(segment)) return segment;
    const token = await accessToken(config, context);
    if (isRefusal(token)) return token;
    const url = `${apiBaseUrls[environmentOf(config)]}/v1/notifications/webhooks-events/${segment}`;
    const answer = await requestJsonObject(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, context);
    if (isRefusal(answer)) return answer;
    const normalized = normalize({ rawBody: Buffer.from(JSON.stringify(answer.value)), headers: {} }, new Date(event.receivedAt));
    if (!normalized.ok) return refuse('confirm_failed', `the fetched event: ${normalized.detail}`);
    return { ok: true, event: { ...normalized.events[0], verification: 'confirmed' } };
  }

  return { id: 'paypal', displayName: 'PayPal', settings: SETTINGS, verify, normalize, confirm };
}

const KINDS: Readonly<Record<string, EventKind>> = {
  'PAYMENT.CAPTURE.COMPLETED': 'payment.succeeded',
  'PAYMENT.CAPTURE.PENDING': 'payment.pending',
  'PAYMENT.CAPTURE.DENIED': 'payment.failed',
  'PAYMENT.CAPTURE.DECLINED': 'payment.failed',
  'PAYMENT.CAPTURE.REFUNDED': 'payment.refunded',
  'PAYMENT.CAPTURE.REVERSED': 'payment.refunded',
  'PAYMENT.SALE.COMPLETED': 'payment.succeeded',
  'PAYMENT.SALE.PENDING': 'payment.pending',
  'PAYMENT.SALE.DENIED': 'payment.failed',
  'PAYMENT.SALE.REFUNDED': 'payment.refunded',
  'PAYMENT.SALE.REVERSED': 'payment.refunded',
  'CUSTOMER.DISPUTE.CREATED': 'dispute.opened',
  'CUSTOMER.DISPUTE.RESOLVED': 'dispute.closed',
  'INVOICING.INVOICE.CREATED': 'invoice.created',
  'INVOICING.INVOICE.PAID': 'invoice.paid',
  'BILLING.SUBSCRIPTION.ACTIVATED': 'subscription.created',
  'BILLING.SUBSCRIPTION.CANCELLED': 'subscription.canceled',
  'BILLING.SUBSCRIPTION.PAYMENT.FAILED': 'invoice.payment_failed',
  'CHECKOUT.ORDER.COMPLETED': 'checkout.completed',
  'PAYMENT.PAYOUTSBATCH.SUCCESS': 'payout.paid',
  'PAYMENT.PAYOUTS-ITEM.SUCCEEDED': 'payout.paid',
};

/** PayPal's money objects: v2 `{currency_code, value}`, v1 `{currency, total | value}`. */
function moneyOf(value: unknown): PaymentEvent['amount'] {
  return decimalAmount(
    pickString(value, 'value') ?? pickString(value, 'total'),
    pickString(value, 'currency_code') ?? pickString(value, 'currency'),
  );
}

function amountOf(resource: JsonObject): PaymentEvent['amount'] {
  const money =
    pick(resource, 'amount') ??
    pick(resource, 'dispute_amount') ??
    pick(resource, 'invoice', 'amount') ??
    pick(resource, 'billing_info', 'last_failed_payment', 'amount') ??
    pick(resource, 'purchase_units', 0, 'amount') ??
    pick(resource, 'batch_header', 'amount') ??
    pick(resource, 'transactions', 0, 'amount');
  return moneyOf(money);
}

/** A link's last path segment, e.g. the capture id in a refund's `up` link. */
function linkedId(resource: JsonObject, rel: string, segment: string): string | undefined {
  const links = Array.isArray(resource.links) ? resource.links : [];
  const href = links.map((link) => (pickString(link, 'rel') === rel ? pickString(link, 'href') : undefined)).find(Boolean);
  const match = href === undefined ? null : new RegExp(`/${segment}/([^/?]+)`).exec(href);
  return match?.[1];
}

function paymentIdOf(type: string, resource: JsonObject): string | undefined {
  if (type.startsWith('PAYMENT.CAPTURE.REFUNDED') || type === 'PAYMENT.CAPTURE.REVERSED') {
    return linkedId(resource, 'up', 'captures') ?? pickString(resource, 'id');
  }
  if (type.startsWith('PAYMENT.CAPTURE.') || type.startsWith('PAYMENT.SALE.')) return pickString(resource, 'id');
  return (
    pickString(resource, 'disputed_transactions', 0, 'seller_transaction_id') ??
    pickString(resource, 'purchase_units', 0, 'payments', 'captures', 0, 'id') ??
    pickString(resource, 'invoice', 'payments', 'transactions', 0, 'payment_id') ??
    pickString(resource, 'transactions', 0, 'related_resources', 0, 'sale', 'id')
  );
}

function customerOf(resource: JsonObject): PaymentEvent['customer'] {
  const person = pick(resource, 'payer') ?? pick(resource, 'subscriber');
  const info = pick(person, 'payer_info');
  const recipient = pick(resource, 'invoice', 'primary_recipients', 0, 'billing_info');
  return nonEmpty({
    id: pickString(person, 'payer_id') ?? pickString(info, 'payer_id'),
    email: pickString(person, 'email_address') ?? pickString(info, 'email') ?? pickString(recipient, 'email_address'),
    name:
      fullName(pickString(person, 'name', 'given_name'), pickString(person, 'name', 'surname')) ??
      fullName(pickString(info, 'first_name'), pickString(info, 'last_name')) ??
      fullName(pickString(recipient, 'name', 'given_name'), pickString(recipient, 'name', 'surname')),
  });
}

function paymentMethodOf(resource: JsonObject): string | undefined {
  const source = pick(resource, 'payment_source');
  const family = source !== null && typeof source === 'object' ? Object.keys(source)[0] : undefined;
  return family ?? pickString(resource, 'payer', 'payment_method');
}

/** Live or sandbox, read from the API host of the event's own links. */
function livemodeOf(body: JsonObject): boolean | undefined {
  const href = pickString(body, 'links', 0, 'href');
  if (href === undefined) return undefined;
  return !/\.sandbox\.paypal\.com/.test(href);
}

function normalize(request: WebhookRequest, receivedAt: Date): NormalizeResult {
  const parsed = parseJsonObject(request.rawBody);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const id = pickString(body, 'id');
  const type = pickString(body, 'event_type');
  const resource = pickObject(body, 'resource');
  if (id === undefined || type === undefined || resource === undefined) {
    return malformedBody('a PayPal event needs id, event_type and resource');
  }
  const kind = kindFrom(KINDS, type);
  const isSubscription = type.startsWith('BILLING.SUBSCRIPTION.');
  const event = canonicalEvent(
    {
      id,
      provider: 'paypal',
      type,
      kind,
      occurredAt: isoTime(body.create_time, receivedAt),
      livemode: livemodeOf(body),
      amount: amountOf(resource),
      paymentId: paymentIdOf(type, resource),
      invoiceId: pickString(resource, 'invoice', 'id') ?? pickString(resource, 'invoice_id') ?? pickString(resource, 'transactions', 0, 'invoice_number'),
      subscriptionId: isSubscription ? pickString(resource, 'id') : pickString(resource, 'billing_agreement_id'),
      reference: pickString(resource, 'custom_id') ?? pickString(resource, 'purchase_units', 0, 'custom_id') ?? pickString(resource, 'transactions', 0, 'custom'),
      paymentMethod: paymentMethodOf(resource),
      customer: customerOf(resource),
      failure:
        kind === 'payment.failed' || kind === 'invoice.payment_failed'
          ? nonEmpty({
              code: pickString(resource, 'status_details', 'reason') ?? pickString(resource, 'billing_info', 'last_failed_payment', 'reason_code'),
            })
          : undefined,
      verification: 'signature',
      raw: body,
    },
    receivedAt,
  );
  return { ok: true, events: [event] };
}

/** The registry's instance: PayPal's certificate hosts, its own caches. */
export const paypal = createPayPalProvider();
