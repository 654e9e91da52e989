import { refuse } from './crypto';
import type { Refusal } from './types';

/** What the gateways' own ids are made of (Chargebee, Mollie, PayPal): letters, digits, `_` and `-`. */
export const GATEWAY_ID = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * A gateway id as one segment of an API path, checked and encoded. The id comes from a body
 * no one signed (Chargebee, Mollie classic) or from a merchant (Paystack's reference), and URL
 * parsing resolves dot segments: `/api/v2/events/..` is `/api/v2/`, another endpoint called
 * with the API key. So the id must match the gateway's alphabet, and `.` and `..` are refused
 * even where the alphabet has dots. Refused before any request is made.
 */
export function apiPathSegment(id: string, what: string, alphabet: RegExp = GATEWAY_ID): string | Refusal {
  if (!alphabet.test(id) || id === '.' || id === '..') {
    return refuse('confirm_failed', `${what} ${JSON.stringify(id.slice(0, 80))} is not one the gateway issues; it is not put in an API path`);
  }
  return encodeURIComponent(id);
}
