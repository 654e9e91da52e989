import { headerUnsafeKey, inNamespace, type PaymentEvent } from '../event';
import { malformedBody } from './payload';
import type { NormalizeResult, Provider, SourceConfig, WebhookRequest } from './types';

/**
 * `provider.normalize`, refusing events whose idempotency key cannot travel as the
 * `webhook-id` header of a delivery (core/event.ts `headerUnsafeKey`). Both ways in use it, so
 * such an event is answered 400 before it is stored, instead of becoming a delivery that can
 * never be sent. Refused rather than encoded: an encoded key would no longer be the gateway's
 * id, and the receiver's idempotency check and replays would see a different key.
 */
export function normalizeDeliverable(provider: Provider, request: WebhookRequest, receivedAt: Date, config: SourceConfig): NormalizeResult {
  const normalized = provider.normalize(request, receivedAt, config);
  if (!normalized.ok) return normalized;
  for (const event of normalized.events) {
    const problem = headerUnsafeKey(event.idempotencyKey);
    if (problem !== undefined) {
      return malformedBody(`the event id ${JSON.stringify(event.id.slice(0, 80))} cannot be delivered: its idempotency key ${problem}`);
    }
  }
  return normalized;
}

/**
 * The received events with their keys in the receiving source's namespace (core/event.ts
 * `inNamespace`). An event of another provider is a canonical event passed through by a source
 * that opted in (`acceptCanonicalEvents`, the runtime's deliveries) and keeps the key the
 * runtime gave it.
 */
export function inSourceNamespace(events: readonly PaymentEvent[], source: { namespace: string; provider: string }): PaymentEvent[] {
  return events.map((event) => (event.provider === source.provider ? inNamespace(event, source.namespace) : event));
}
