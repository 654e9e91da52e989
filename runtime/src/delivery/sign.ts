import { signMessage } from '../../../core/providers/standard-webhooks';

/**
 * Standard Webhooks headers for one delivery, with the event's idempotency key as
 * `webhook-id`: the receiver's dedupe key.
 */
export function signDelivery(id: string, body: string, secret: string, now: Date): Record<string, string> {
  return signMessage({ id, body, secret, now });
}
