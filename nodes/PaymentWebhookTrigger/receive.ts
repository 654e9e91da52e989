import type { ICredentialDataDecryptedObject, IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { PaymentEvent } from '../../core/event';
import { getProvider, type Provider, type Refusal, type SourceConfig } from '../../core/providers';
import { inSourceNamespace, normalizeDeliverable } from '../../core/providers/deliverable';
import { sourceConfigFromValues } from '../../core/providers/settings';

export const GATEWAY_CREDENTIAL = 'paymentGatewayApi';

interface TriggerOptions {
  eventKinds?: string[];
  includeRaw?: boolean;
  keyNamespace?: string;
}

/** A key namespace travels in the `webhook-id` of the runtime's deliveries and replays: kept to a URL-safe name. */
const KEY_NAMESPACE = /^[A-Za-z0-9._-]{1,64}$/;

/** Answers the gateway directly (plain Node response methods, which Express keeps) and starts nothing. */
function answer(context: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
  const response = context.getResponseObject();
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
  return { noWebhookResponse: true };
}

/**
 * Logs why (never the secret or the signature: providers keep them out of `detail`) and answers
 * 401, or 503 when the gateway's API could not be asked, so the gateway sends the event again later.
 */
function refuse(context: IWebhookFunctions, provider: Provider, refusal: Refusal): IWebhookResponseData {
  context.logger.warn(`Payment webhook refused (${provider.displayName}): ${refusal.reason}: ${refusal.detail}`, {
    provider: provider.id,
    reason: refusal.reason,
  });
  if (refusal.reason === 'confirm_unavailable') return answer(context, 503, { error: 'the gateway API could not be reached to verify this event; retry later' });
  return answer(context, 401, { error: 'webhook signature verification failed' });
}

/** A misconfigured node: answered 500 so the gateway keeps retrying until it is fixed. */
function misconfigured(context: IWebhookFunctions, message: string): IWebhookResponseData {
  context.logger.error(`Payment Webhook Trigger "${context.getNode().name}" is misconfigured: ${message}`);
  return answer(context, 500, { error: 'webhook receiver misconfigured' });
}

async function rawBodyOf(context: IWebhookFunctions): Promise<Buffer> {
  const request = context.getRequestObject();
  if (!request.rawBody) await request.readRawBody();
  return request.rawBody ?? Buffer.alloc(0);
}

/** Gateways that sign nothing: each event is fetched from the gateway's API before it counts. */
async function confirmAll(
  provider: Provider,
  events: PaymentEvent[],
  config: SourceConfig,
  now: Date,
): Promise<{ ok: true; events: PaymentEvent[] } | Refusal> {
  const confirmed: PaymentEvent[] = [];
  for (const event of events) {
    if (event.verification !== 'fetch_required') {
      confirmed.push(event);
      continue;
    }
    if (!provider.confirm) return { ok: false, reason: 'confirm_failed', detail: `${provider.id} cannot confirm unsigned events` };
    const result = await provider.confirm(event, config, { now });
    if (!result.ok) return result;
    confirmed.push(result.event);
  }
  return { ok: true, events: confirmed };
}

/**
 * Verify the raw bytes, normalize, confirm unsigned events, filter by kind: one workflow
 * item per canonical event, or an answer to the gateway and no workflow data.
 */
export async function receivePaymentWebhook(context: IWebhookFunctions): Promise<IWebhookResponseData> {
  const providerId = context.getNodeParameter('provider') as string;
  const options = context.getNodeParameter('options', {}) as TriggerOptions;
  const provider = getProvider(providerId);
  if (!provider) return misconfigured(context, `no payment gateway "${providerId}" is known to this version of the node`);
  const namespace = options.keyNamespace?.trim() || providerId;
  if (!KEY_NAMESPACE.test(namespace)) {
    return misconfigured(context, `its Event Key Namespace "${namespace.slice(0, 80)}" may hold only letters, digits, ".", "_" and "-" (at most 64)`);
  }
  const credential: ICredentialDataDecryptedObject = await context.getCredentials(GATEWAY_CREDENTIAL);
  if (credential.provider !== providerId) {
    return misconfigured(context, `its credential is for "${String(credential.provider)}", but the node is set to "${providerId}"`);
  }

  const request = { rawBody: await rawBodyOf(context), headers: context.getHeaderData() };
  const config = sourceConfigFromValues(provider.settings, credential);
  const now = new Date();
  const verified = await provider.verify(request, config, { now });
  if (!verified.ok) return refuse(context, provider, verified);

  const normalized = normalizeDeliverable(provider, request, now, config);
  if (!normalized.ok) {
    context.logger.warn(`Payment webhook rejected (${provider.displayName}): ${normalized.reason}: ${normalized.detail}`);
    return answer(context, 400, { error: 'malformed webhook body', detail: normalized.detail });
  }
  const confirmed = await confirmAll(provider, normalized.events, config, now);
  if (!confirmed.ok) return refuse(context, provider, confirmed);

  const events = inSourceNamespace(confirmed.events, { namespace, provider: providerId });
  const kinds = options.eventKinds ?? [];
  const accepted = events.filter((event) => kinds.length === 0 || kinds.includes(event.kind));
  if (accepted.length === 0) return answer(context, 200, { received: true, ignored: events.length });

  const includeRaw = options.includeRaw ?? true;
  const items = accepted.map(({ raw, ...event }) => (includeRaw ? { ...event, raw } : event) as IDataObject);
  return { workflowData: [context.helpers.returnJsonArray(items)] };
}
