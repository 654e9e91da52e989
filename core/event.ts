/**
 * The canonical payment event: every provider normalizes to this one shape, so a
 * workflow built for one gateway works for every other.
 */

export const EVENT_KINDS = [
  'payment.succeeded',
  'payment.failed',
  'payment.pending',
  'payment.refunded',
  'dispute.opened',
  'dispute.closed',
  'invoice.created',
  'invoice.paid',
  'invoice.payment_failed',
  'subscription.created',
  'subscription.renewed',
  'subscription.canceled',
  'checkout.completed',
  'payout.paid',
  'other',
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * How far the event can be trusted. `signature`: the request's signature was verified.
 * `fetch_required`: the gateway signs nothing (Mollie classic, Chargebee), so the event is
 * only a signal until `confirm` has fetched it from the gateway's API. `confirmed`: fetched.
 */
export type Verification = 'signature' | 'fetch_required' | 'confirmed';

export interface MoneyAmount {
  /** Integer minor units with the currency's ISO 4217 exponent. */
  minor: number;
  /** ISO 4217 alphabetic code, upper case. */
  currency: string;
}

export interface PaymentEvent {
  /** The provider's event id; derived (documented per provider) where it sends none. */
  id: string;
  provider: string;
  /** The provider's own type, e.g. `invoice.paid`, `AUTHORISATION`. */
  type: string;
  kind: EventKind;
  /** ISO 8601, from the provider. */
  occurredAt: string;
  /** ISO 8601, when we received it. */
  receivedAt: string;
  livemode?: boolean;
  amount?: MoneyAmount;
  paymentId?: string;
  invoiceId?: string;
  subscriptionId?: string;
  reference?: string;
  /** The payment method family where the gateway says it: `card`, `sepa_debit`, `paypal`, ... */
  paymentMethod?: string;
  customer?: { id?: string; email?: string; name?: string };
  failure?: { code?: string; declineCode?: string; adviceCode?: string; message?: string };
  risk?: { providerScore?: number; cardFingerprint?: string; ip?: string };
  verification?: Verification;
  /** `${provider}:${id}` */
  idempotencyKey: string;
  /** The provider's payload, untouched. */
  raw: unknown;
}
