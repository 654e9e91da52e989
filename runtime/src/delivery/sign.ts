import { hmac } from '../../../core/providers/crypto';

/**
 * Standard Webhooks headers for one delivery, with the event's idempotency key as
 * `webhook-id` (the receiver's dedupe key). core/providers/standard-webhooks.ts `sign`
 * derives its message id from the body, which a delivery cannot use, so the signature is
 * made here from core's HMAC: base64 HMAC-SHA256 of `id.timestamp.body` keyed with the
 * base64 bytes after `whsec_`.
 */
export function signDelivery(id: string, body: string, secret: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = hmac('sha256', key, `${id}.${timestamp}.${body}`).toString('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
