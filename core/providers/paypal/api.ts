/**
 * PayPal's REST API with a source's app credentials: `verify-webhook-signature` (the `api`
 * check) and fetching an event by id (confirm), behind an OAuth token cache.
 */
import { createHash } from 'node:crypto';
import { apiPathSegment } from '../api-path';
import { isRefusal, refuse } from '../crypto';
import { parseJsonObject, pickString, requestJsonObject, type JsonObject } from '../payload';
import type { ProviderContext, Refusal, SourceConfig, VerifyResult } from '../types';
import type { Delivery } from './transmission';

export const API_BASE_URLS = { live: 'https://api-m.paypal.com', sandbox: 'https://api-m.sandbox.paypal.com' } as const;

export type PayPalEnvironment = keyof typeof API_BASE_URLS;

function environmentOf(config: SourceConfig): PayPalEnvironment {
  return config.environment === 'sandbox' ? 'sandbox' : 'live';
}

function credentialsOf(config: SourceConfig): { clientId: string; clientSecret: string } | undefined {
  const { clientId, clientSecret } = config;
  return typeof clientId === 'string' && clientId !== '' && typeof clientSecret === 'string' && clientSecret !== ''
    ? { clientId, clientSecret }
    : undefined;
}

/** Calls PayPal's API for one provider instance, which keeps its tokens between calls. */
export class PayPalApi {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(private readonly baseUrls: Readonly<Record<PayPalEnvironment, string>>) {}

  /** Asks PayPal whether it signed this delivery. */
  async verify(delivery: Delivery, rawBody: Buffer, config: SourceConfig, context: ProviderContext): Promise<VerifyResult> {
    const event = parseJsonObject(rawBody);
    if (!event.ok) return refuse('body_unreadable', event.detail);
    const token = await this.accessToken(config, context);
    if (isRefusal(token)) return token;
    const { transmission, webhookId } = delivery;
    const fields = JSON.stringify({
      auth_algo: transmission.algorithm,
      cert_url: transmission.certUrl,
      transmission_id: transmission.id,
      transmission_sig: transmission.signature,
      transmission_time: transmission.time,
      webhook_id: webhookId,
    });
    // The event goes in as the bytes received, not re-serialized: PayPal checks its CRC.
    const body = Buffer.concat([Buffer.from(`${fields.slice(0, -1)},"webhook_event":`), rawBody, Buffer.from('}')]);
    const answer = await requestJsonObject(
      `${this.baseUrls[environmentOf(config)]}/v1/notifications/verify-webhook-signature`,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }, body },
      context,
    );
    if (isRefusal(answer)) return answer;
    const status = pickString(answer.value, 'verification_status');
    return status === 'SUCCESS'
      ? { ok: true }
      : refuse('signature_mismatch', `PayPal answered verification_status ${status ?? 'missing'} for this delivery`);
  }

  /** The event with this id as PayPal's API has it. */
  async fetchEvent(eventId: string, config: SourceConfig, context: ProviderContext): Promise<JsonObject | Refusal> {
    const segment = apiPathSegment(eventId, 'the PayPal event id');
    if (isRefusal(segment)) return segment;
    const token = await this.accessToken(config, context);
    if (isRefusal(token)) return token;
    const url = `${this.baseUrls[environmentOf(config)]}/v1/notifications/webhooks-events/${segment}`;
    const answer = await requestJsonObject(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, context);
    return isRefusal(answer) ? answer : answer.value;
  }

  /** An OAuth token for the source's credentials, reused until shortly before it expires. */
  private async accessToken(config: SourceConfig, context: ProviderContext): Promise<string | Refusal> {
    const credentials = credentialsOf(config);
    if (credentials === undefined) return refuse('missing_secret', 'clientId and clientSecret are needed for PayPal API calls');
    const environment = environmentOf(config);
    // Keyed by a digest of the whole credential, so a changed secret never reuses a token.
    const cacheKey = createHash('sha256').update(`${environment}\n${credentials.clientId}\n${credentials.clientSecret}`).digest('hex');
    const cached = this.tokens.get(cacheKey);
    if (cached !== undefined && cached.expiresAt > context.now.getTime()) return cached.token;
    const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64');
    const answer = await requestJsonObject(
      `${this.baseUrls[environment]}/v1/oauth2/token`,
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
    this.tokens.set(cacheKey, { token, expiresAt: context.now.getTime() + Math.max(0, lifetimeSeconds - 60) * 1000 });
    return token;
  }
}
