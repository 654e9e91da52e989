/**
 * The one receive pipeline both ways in share (the Payment Webhook Trigger and the runtime's
 * ingress): verify the raw bytes, normalize, refuse keys that cannot be delivered, confirm the
 * events of gateways that sign nothing, and put the keys in the source's namespace. Each way in
 * only maps the outcome to its answer, with the same status and body (`answerFor`).
 */
import { headerUnsafeKey, inNamespace, type PaymentEvent } from '../event';
import { withDefaults } from './settings';
import type { Provider, Refusal, RefusalReason, SourceConfig, WebhookRequest } from './types';

/** What receiving one request came to. */
export type Received =
  | { outcome: 'accepted'; events: PaymentEvent[] }
  /** The signature, or the gateway's confirmation of an unsigned event, failed: 401. */
  | { outcome: 'refused'; stage: 'signature' | 'confirmation'; reason: RefusalReason; detail: string }
  /** The gateway's API could not be asked: 503, and the gateway sends the event again. */
  | { outcome: 'unavailable'; stage: 'signature' | 'confirmation'; reason: 'confirm_unavailable'; detail: string }
  /** Signed, but not an event this gateway sends: 400. */
  | { outcome: 'malformed'; detail: string };

export interface ReceiveOptions {
  provider: Provider;
  request: WebhookRequest;
  config: SourceConfig;
  /** The idempotency keys' namespace: the runtime source's name, or the trigger's. */
  namespace: string;
  now: Date;
}

export async function receiveWebhook(options: ReceiveOptions): Promise<Received> {
  // Declared defaults filled in, so a runtime source and a saved credential verify alike.
  const settled = { ...options, config: withDefaults(options.provider.settings, options.config) };
  const { provider, request, config, now } = settled;
  const verified = await provider.verify(request, config, { now });
  if (!verified.ok) return refusal('signature', verified);
  const normalized = provider.normalize(request, now, config);
  if (!normalized.ok) return { outcome: 'malformed', detail: normalized.detail };
  const confirmed = await Promise.all(normalized.events.map((event) => confirm(event, settled)));
  const failed = confirmed.find((result): result is Refusal => !result.ok);
  if (failed) return refusal('confirmation', failed);
  const events = inSourceNamespace(confirmed.flatMap((result) => (result.ok ? [result.event] : [])), settled);
  const undeliverable = undeliverableKey(events);
  if (undeliverable !== undefined) return { outcome: 'malformed', detail: undeliverable };
  return { outcome: 'accepted', events };
}

/** The HTTP answer to an outcome other than accepted, the same both ways in. */
export function answerFor(received: Exclude<Received, { outcome: 'accepted' }>): { status: number; body: Record<string, string>; headers?: Record<string, string> } {
  switch (received.outcome) {
    case 'malformed':
      // The signature verified, so the detail goes back to the gateway that sent the body.
      return { status: 400, body: { error: 'malformed body', detail: received.detail } };
    case 'unavailable':
      return { status: 503, headers: { 'retry-after': '30' }, body: { error: 'the gateway API could not be reached to verify this event; retry later' } };
    case 'refused':
      return { status: 401, body: { error: received.stage === 'signature' ? 'signature verification failed' : 'event not confirmed', reason: received.reason } };
  }
}

function refusal(stage: 'signature' | 'confirmation', failure: Refusal): Received {
  // The reason and its diagnosis name no secret and no signature (core/providers' rule).
  if (failure.reason === 'confirm_unavailable') return { outcome: 'unavailable', stage, reason: failure.reason, detail: failure.detail };
  return { outcome: 'refused', stage, reason: failure.reason, detail: failure.detail };
}

/** An event from a gateway that signs nothing is only a signal until its API confirms it. */
async function confirm(event: PaymentEvent, { provider, config, now }: ReceiveOptions) {
  if (event.verification !== 'fetch_required') return { ok: true as const, event };
  if (!provider.confirm) return { ok: false as const, reason: 'confirm_failed' as const, detail: `${provider.id} cannot confirm unsigned events` };
  return provider.confirm(event, config, { now });
}

/**
 * Why one of the events cannot be delivered, judged on the key it is stored and delivered under
 * (its source's namespace included, and the id a confirmation may derive, as Mollie's does from
 * the payment's state): the key travels as the `webhook-id` header of a delivery
 * (core/event.ts `headerUnsafeKey`). Both ways in refuse such an event with a 400 before it is
 * stored, instead of making a delivery that can never be sent. Refused rather than
 * encoded: an encoded key would no longer be the gateway's id, and the receiver's idempotency
 * check and replays would see a different key.
 */
function undeliverableKey(events: readonly PaymentEvent[]): string | undefined {
  for (const event of events) {
    const problem = headerUnsafeKey(event.idempotencyKey);
    if (problem !== undefined) return `the event id ${JSON.stringify(event.id.slice(0, 80))} cannot be delivered: its idempotency key ${problem}`;
  }
  return undefined;
}

/**
 * The received events with their keys in the receiving source's namespace (core/event.ts
 * `inNamespace`). An event of another provider is a canonical event passed through by a source
 * that opted in (`acceptCanonicalEvents`, the runtime's deliveries) and keeps the key the
 * runtime gave it.
 */
function inSourceNamespace(events: readonly PaymentEvent[], { namespace, provider }: ReceiveOptions): PaymentEvent[] {
  return events.map((event) => (event.provider === provider.id ? inNamespace(event, namespace) : event));
}
