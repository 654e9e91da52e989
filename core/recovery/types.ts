/**
 * Payment recovery: from a declined payment's codes to the next step. Decisions are pure
 * functions of their input and an injected `now`, so the same failure always gets the same plan.
 */

export const DECLINE_CATEGORIES = ['transient', 'soft', 'needs_customer_action', 'hard', 'fraud'] as const;
/**
 * `transient`: a technical hiccup, retry soon. `soft`: the issuer may approve later (funds,
 * limits, generic declines). `needs_customer_action`: retrying cannot help until the customer
 * acts (expired card, authentication, wrong data). `hard`: never retry this card. `fraud`:
 * route to review, not dunning.
 */
export type DeclineCategory = (typeof DECLINE_CATEGORIES)[number];

export const RECOVERY_ACTIONS = ['retry', 'ask_customer', 'stop', 'review'] as const;
export type RecoveryAction = (typeof RECOVERY_ACTIONS)[number];

/** Why the customer is asked: each has a suggested message (messages.ts). */
export type AskReason =
  | 'expired_card'
  | 'authentication_required'
  | 'incorrect_card_details'
  | 'incorrect_address'
  | 'card_not_supported'
  | 'contact_bank'
  | 'update_payment_method';

/** Why retrying stops for good. */
export type StopReason =
  | 'lost_or_stolen'
  | 'pickup_card'
  | 'restricted_card'
  | 'account_closed'
  | 'invalid_account'
  | 'authorization_revoked'
  | 'do_not_try_again'
  | 'issuer_will_never_approve'
  | 'duplicate_transaction'
  | 'cancelled'
  | 'test_card'
  | 'retries_exhausted';

/** Why a retry is worth it. */
export type RetryReason =
  | 'insufficient_funds'
  | 'limit_exceeded'
  | 'generic_decline'
  | 'try_again_later'
  | 'issuer_unavailable'
  | 'processing_error';

export type DeclineReason = AskReason | StopReason | RetryReason | 'suspected_fraud';

/** Where a code comes from; also the prefix of the rule that cites it. */
export const CODE_SOURCES = [
  'stripe.decline_code',
  'stripe.advice_code',
  'adyen.refusal_reason',
  'paypal.processor_response',
  'braintree.processor_response',
  'square.error_code',
  'visa.response_code',
  'mastercard.merchant_advice_code',
] as const;
export type CodeSource = (typeof CODE_SOURCES)[number];

export interface CodeRule {
  source: CodeSource;
  /** The code as the gateway sends it (`insufficient_funds`, `12`, `5120`, `CARD_EXPIRED`). */
  code: string;
  /** The gateway's own name where the code is a number (Adyen `Not enough balance`, PayPal `INSUFFICIENT_FUNDS`). */
  name?: string;
  category: DeclineCategory;
  reason: DeclineReason;
  /** Visa's reattempt category (1 = never, 2-4 = at most 15 reattempts in 30 days). */
  visaCategory?: 1 | 2 | 3 | 4;
  /** A Mastercard advice to wait at least this long before the next attempt. */
  retryAfterHours?: number;
  description: string;
}

/** The decline as the gateway reported it; every field optional. */
export interface DeclineSignals {
  provider?: string;
  /** The gateway's main code: Stripe error code, Adyen refusalReasonCode, PayPal/Braintree processor response, Square error code. */
  code?: string;
  /** Stripe `decline_code` (or another gateway's secondary code). */
  declineCode?: string;
  /** Stripe `advice_code`. */
  adviceCode?: string;
  /** The card network's raw response code (Stripe `network_decline_code`, Adyen `refusalReasonRaw`). */
  networkDeclineCode?: string;
  /** Mastercard Merchant Advice Code (Stripe `network_advice_code`, Adyen/Braintree `merchantAdviceCode`). */
  merchantAdviceCode?: string;
  /** `visa`, `mastercard`, ... when known: network codes are read with that network's table only. */
  network?: string;
  /** Gateway message, e.g. Adyen's refusal reason text; matched against code names. */
  message?: string;
}

/** An earlier declined attempt on the same payment or card. */
export interface Attempt {
  /** Epoch milliseconds. */
  at: number;
  /** When given, only attempts on the same card count towards the per-card caps. */
  cardFingerprint?: string;
}

export interface RecoveryPolicy {
  /** Delays before each retry of a soft decline, in hours; when they run out, retries are exhausted. */
  softRetryHours: number[];
  /** Delays before the first retries of a transient failure, in minutes; then the soft schedule continues. */
  transientRetryMinutes: number[];
  /** What exhausting the retries (schedule or the 30-day cap) leads to. */
  whenExhausted: 'ask_customer' | 'stop';
  /** At most this many retries of one card in any 30 days (Visa's rule for categories 2-4). */
  maxRetriesIn30Days: number;
  /** At most this many declines of one card in any 24 hours; a retry is pushed past the window. */
  maxDeclinesIn24Hours: number;
  /** With the customer's time zone: retry between these local hours (start inclusive, end exclusive). */
  localRetryWindow: { startHour: number; endHour: number };
}

export const DEFAULT_POLICY: RecoveryPolicy = {
  softRetryHours: [24, 72, 120, 168],
  transientRetryMinutes: [15, 60, 240],
  whenExhausted: 'ask_customer',
  maxRetriesIn30Days: 15,
  maxDeclinesIn24Hours: 10,
  localRetryWindow: { startHour: 8, endHour: 20 },
};

export interface RecoveryInput {
  signals: DeclineSignals;
  /** When this decline happened (epoch ms). */
  failedAt: number;
  /** The declines before this one, on this payment or card. */
  attempts: Attempt[];
  cardFingerprint?: string;
  /** IANA time zone of the customer, e.g. `Europe/Berlin`. */
  timeZone?: string;
  /** The current time (epoch ms): injected, never read from the clock. */
  now: number;
}

/** One rule that took part in the decision, for the audit trail. */
export interface RuleHit {
  rule: string;
  detail: string;
}

export interface RecoveryDecision {
  action: RecoveryAction;
  category: DeclineCategory;
  reason: DeclineReason;
  /** The rule that made the decision, e.g. `mastercard.merchant_advice_code:03` or `policy.max_retries_30_days`. */
  rule: string;
  /** Every rule that fired, in the order they were applied. */
  rules: RuleHit[];
  explanation: string;
  /** retry: when (ISO 8601, UTC). */
  nextAttemptAt?: string;
  /** retry: which retry this will be (1 = the first retry). */
  retryNumber?: number;
  /** ask_customer: a message that can be sent as it is. */
  suggestedMessage?: string;
  visaCategory?: 1 | 2 | 3 | 4;
}
