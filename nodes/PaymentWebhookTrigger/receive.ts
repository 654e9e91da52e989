import type { ICredentialDataDecryptedObject, IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { getProvider } from '../../core/providers';
import { answerFor, receiveWebhook } from '../../core/providers/receive';
import { sourceConfigFromValues } from '../../core/providers/settings';

export const GATEWAY_CREDENTIAL = 'paymentGatewayApi';

interface TriggerOptions {
  eventKinds?: string[];
  includeRaw?: boolean;
  keyNamespace?: string;
}

/** W3C trace context: version 00, a trace id, the caller's span id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * The trace the request belongs to (the runtime sends `traceparent` with each delivery), put on
 * every item so a workflow can pass it on and the execution joins the event's trace. Diagnostic
 * only: it is unsigned and decides nothing.
 */
function traceOf(headers: Record<string, unknown>): IDataObject | undefined {
  const value = headers.traceparent;
  const match = typeof value === 'string' ? TRACEPARENT.exec(value.trim()) : null;
  return match ? { traceparent: match[0], traceId: match[1], parentSpanId: match[2] } : undefined;
}

/** A key namespace travels in the `webhook-id` of the runtime's deliveries and replays: kept to a URL-safe name. */
const KEY_NAMESPACE = /^[A-Za-z0-9._-]{1,64}$/;

/** An HTTP answer to the gateway: the shape answerFor gives. */
interface Answer {
  status: number;
  body: IDataObject;
  headers?: Record<string, string>;
}

/** Answers the gateway directly (plain Node response methods, which Express keeps) and starts nothing. */
function answer(context: IWebhookFunctions, { status, body, headers = {} }: Answer): IWebhookResponseData {
  const response = context.getResponseObject();
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
  return { noWebhookResponse: true };
}

/** A misconfigured node: answered 500 so the gateway keeps retrying until it is fixed. */
function misconfigured(context: IWebhookFunctions, message: string): IWebhookResponseData {
  context.logger.error(`Payment Webhook Trigger "${context.getNode().name}" is misconfigured: ${message}`);
  return answer(context, { status: 500, body: { error: 'webhook receiver misconfigured' } });
}

async function rawBodyOf(context: IWebhookFunctions): Promise<Buffer> {
  const request = context.getRequestObject();
  if (!request.rawBody) await request.readRawBody();
  return request.rawBody ?? Buffer.alloc(0);
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

  const headers = context.getHeaderData();
  const request = { rawBody: await rawBodyOf(context), headers };
  const config = sourceConfigFromValues(provider.settings, credential);
  const received = await receiveWebhook({ provider, request, config, namespace, now: new Date() });
  if (received.outcome !== 'accepted') {
    // The reason and its diagnosis name no secret and no signature (core/providers' rule).
    const reason = received.outcome === 'malformed' ? 'malformed_body' : received.reason;
    context.logger.warn(`Payment webhook refused (${provider.displayName}): ${reason}: ${received.detail}`, { provider: provider.id, outcome: received.outcome, reason });
    return answer(context, answerFor(received));
  }
  const events = received.events;
  const kinds = options.eventKinds ?? [];
  const accepted = events.filter((event) => kinds.length === 0 || kinds.includes(event.kind));
  if (accepted.length === 0) return answer(context, { status: 200, body: { received: true, ignored: events.length } });

  const includeRaw = options.includeRaw ?? true;
  const trace = traceOf(headers);
  const items = accepted.map(({ raw, ...event }) => ({ ...event, ...(includeRaw ? { raw } : {}), ...(trace ? { trace } : {}) }) as IDataObject);
  return { workflowData: [context.helpers.returnJsonArray(items)] };
}
