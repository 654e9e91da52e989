/**
 * PayPal signs each delivery with its own private key: `PAYPAL-TRANSMISSION-SIG` is the base64
 * RSA-SHA256 signature of `{transmissionId}|{transmissionTime}|{webhookId}|{crc32(rawBody)}`,
 * verifiable with the certificate at `PAYPAL-CERT-URL`. Two modes:
 *
 * - `offline` (default): the certificate is fetched from PayPal's API hosts only, checked
 *   and cached per URL in the provider instance, and the signature checked here
 *   (paypal/certificate.ts).
 * - `api`: PayPal's `verify-webhook-signature` endpoint does the check, with the source's
 *   REST credentials (paypal/api.ts).
 *
 * PayPal needs state (the certificate and token caches), so the provider is built by a
 * factory; the registry holds one default instance. This module assembles it from the parts
 * in paypal/ and owns its settings.
 */
import type { PaymentEvent } from '../event';
import { BoundedCache } from './bounded-cache';
import { isRefusal, refuse } from './crypto';
import { API_BASE_URLS, PayPalApi, type PayPalEnvironment } from './paypal/api';
import { CACHED_CERTIFICATES, CertificateVerifier, PAYPAL_CERTIFICATE_ORIGINS, type CertificateCache } from './paypal/certificate';
import { normalize } from './paypal/normalize';
import { readDelivery } from './paypal/transmission';
import type { ConfirmResult, Provider, ProviderContext, SourceConfig, VerifyResult, WebhookRequest, ProviderSettings } from './types';

export { CACHED_CERTIFICATES, PAYPAL_CERTIFICATE_ORIGINS, type CertificateCache } from './paypal/certificate';
export { crc32 } from './paypal/transmission';

export interface PayPalProviderOptions {
  /** Validated certificate bundles (PEM); a BoundedCache of CACHED_CERTIFICATES per instance by default. */
  certificateCache?: CertificateCache;
  /**
   * Origins certificates may be fetched from. Defaults to PayPal's API hosts; tests add a
   * loopback origin here, and nothing else should.
   */
  certificateOrigins?: readonly string[];
  /** REST API base URLs for `api` mode and `confirm`; tests point them at loopback. */
  apiBaseUrls?: Readonly<Record<PayPalEnvironment, string>>;
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
  const certificates = new CertificateVerifier({
    cache: options.certificateCache ?? new BoundedCache<string>(CACHED_CERTIFICATES),
    origins: options.certificateOrigins ?? PAYPAL_CERTIFICATE_ORIGINS,
  });
  const api = new PayPalApi(options.apiBaseUrls ?? API_BASE_URLS);

  async function verify(request: WebhookRequest, config: SourceConfig, context: ProviderContext): Promise<VerifyResult> {
    const delivery = readDelivery(request, config);
    if (isRefusal(delivery)) return delivery;
    return config.mode === 'api' ? api.verify(delivery, request.rawBody, config, context) : certificates.verify(delivery, request.rawBody, context);
  }

  /** Fetches the event by id from PayPal (needs the api-mode credentials) and normalizes it. */
  async function confirm(event: PaymentEvent, config: SourceConfig, context: ProviderContext): Promise<ConfirmResult> {
    const fetched = await api.fetchEvent(event.id, config, context);
    if (isRefusal(fetched)) return fetched;
    const normalized = normalize({ rawBody: Buffer.from(JSON.stringify(fetched)), headers: {} }, new Date(event.receivedAt));
    if (!normalized.ok) return refuse('confirm_failed', `the fetched event: ${normalized.detail}`);
    return { ok: true, event: { ...normalized.events[0], verification: 'confirmed' } };
  }

  return { id: 'paypal', displayName: 'PayPal', settings: SETTINGS, verify, normalize, confirm };
}

/** The registry's instance: PayPal's certificate hosts, its own caches. */
export const paypal = createPayPalProvider();
