/**
 * The canonical payment event: every provider normalizes to this one shape, so a
 * workflow built for one gateway works for every other.
 */

import { isKnownCurrency, type MoneyAmount } from './money';

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

export type { MoneyAmount };

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
  /**
   * The source (a runtime `sources[]` name, or a trigger's key namespace) that received the
   * event, where it is not named after the provider: the namespace of the idempotency key.
   */
  source?: string;
  /** `${source}:${id}`, or `${provider}:${id}` for a source named after its provider. */
  idempotencyKey: string;
  /** The provider's payload, untouched. */
  raw: unknown;
}

/**
 * The longest idempotency key that can be delivered: it travels as the `webhook-id` header,
 * and receivers cap a request's headers (Node, and so n8n, at 16 KiB in all).
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 1024;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * Why an idempotency key cannot travel as a delivery's `webhook-id` header, or undefined when
 * it can. A control character (CR, LF) cannot be sent at all; a non-ASCII one is re-encoded by
 * some HTTP stacks and edge spaces are trimmed, so the receiver would dedupe, and check the
 * signature, on another id than the one signed.
 */
export function headerUnsafeKey(key: string): string | undefined {
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) return `is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
  if (!PRINTABLE_ASCII.test(key)) return 'holds a character other than printable ASCII (a control character such as CR or LF, or a non-ASCII one)';
  if (key.trim() !== key) return 'starts or ends with a space';
  return undefined;
}

/**
 * The event with its idempotency key in a source's namespace, so that whoever holds one
 * source's secret can never claim another source's keys: two Stripe accounts configured as
 * two sources sign their own events, and one's ids cannot collide with the other's. A source
 * named after its provider keeps the plain `${provider}:${id}`, which a gateway's event has
 * whichever way it arrives (straight into n8n, or through the runtime).
 */
export function inNamespace(event: PaymentEvent, namespace: string): PaymentEvent {
  const { source: _previous, ...rest } = event;
  if (namespace === event.provider) return { ...rest, idempotencyKey: `${event.provider}:${event.id}` };
  return { ...rest, source: namespace, idempotencyKey: `${namespace}:${event.id}` };
}

export type EventValidation = { ok: true; event: PaymentEvent } | { ok: false; errors: string[] };

const VERIFICATIONS: readonly Verification[] = ['signature', 'fetch_required', 'confirmed'];
const ISO_8601_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;
const CURRENCY_CODE = /^[A-Z]{3}$/;

/** A short, printable rendering of a wrong value for an error message. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Collects one message per wrong field, each starting with the field's path. */
class FieldErrors {
  readonly errors: string[] = [];

  add(path: string, problem: string, value: unknown): void {
    this.errors.push(`${path}: ${problem}, got ${shown(value)}`);
  }

  requiredString(record: Record<string, unknown>, path: string, key: string): void {
    const value = record[key];
    if (typeof value !== 'string' || value === '') this.add(path + key, 'must be a non-empty string', value);
  }

  optionalString(record: Record<string, unknown>, path: string, key: string): void {
    if (record[key] !== undefined && typeof record[key] !== 'string') this.add(path + key, 'must be a string', record[key]);
  }

  timestamp(record: Record<string, unknown>, key: string): void {
    const value = record[key];
    if (typeof value !== 'string' || !ISO_8601_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
      this.add(key, 'must be an ISO 8601 date-time with a time zone', value);
    }
  }

  optionalObject(
    record: Record<string, unknown>,
    key: string,
    check: (nested: Record<string, unknown>, path: string) => void,
  ): void {
    const value = record[key];
    if (value === undefined) return;
    if (!isRecord(value)) this.add(key, 'must be an object', value);
    else check(value, `${key}.`);
  }
}

/**
 * Checks that a value (an event read back from JSON, a queue or a workflow item) is a
 * well-formed PaymentEvent and names every wrong field. Unknown extra fields are allowed, so
 * events written by a newer version still validate.
 */
export function validateEvent(value: unknown): EventValidation {
  if (!isRecord(value)) return { ok: false, errors: [`event: must be an object, got ${shown(value)}`] };
  const check = new FieldErrors();
  for (const key of ['id', 'provider', 'type']) check.requiredString(value, '', key);
  if (!(EVENT_KINDS as readonly unknown[]).includes(value.kind)) {
    check.add('kind', `must be one of ${EVENT_KINDS.join(', ')}`, value.kind);
  }
  check.timestamp(value, 'occurredAt');
  check.timestamp(value, 'receivedAt');
  if (value.livemode !== undefined && typeof value.livemode !== 'boolean') {
    check.add('livemode', 'must be a boolean', value.livemode);
  }
  check.optionalObject(value, 'amount', (amount, path) => {
    if (typeof amount.minor !== 'number' || !Number.isInteger(amount.minor)) {
      check.add(`${path}minor`, 'must be an integer', amount.minor);
    } else if (!Number.isSafeInteger(amount.minor)) {
      check.add(`${path}minor`, 'must be a safe integer', amount.minor);
    }
    if (typeof amount.currency !== 'string' || !CURRENCY_CODE.test(amount.currency)) {
      check.add(`${path}currency`, 'must be three upper-case letters', amount.currency);
    } else if (!isKnownCurrency(amount.currency)) {
      check.add(`${path}currency`, 'must be an ISO 4217 currency with minor units', amount.currency);
    }
  });
  for (const key of ['paymentId', 'invoiceId', 'subscriptionId', 'reference', 'paymentMethod']) {
    check.optionalString(value, '', key);
  }
  check.optionalObject(value, 'customer', (customer, path) => {
    for (const key of ['id', 'email', 'name']) check.optionalString(customer, path, key);
  });
  check.optionalObject(value, 'failure', (failure, path) => {
    for (const key of ['code', 'declineCode', 'adviceCode', 'message']) check.optionalString(failure, path, key);
  });
  check.optionalObject(value, 'risk', (risk, path) => {
    if (risk.providerScore !== undefined && (typeof risk.providerScore !== 'number' || !Number.isFinite(risk.providerScore))) {
      check.add(`${path}providerScore`, 'must be a finite number', risk.providerScore);
    }
    for (const key of ['cardFingerprint', 'ip']) check.optionalString(risk, path, key);
  });
  if (value.verification !== undefined && !(VERIFICATIONS as readonly unknown[]).includes(value.verification)) {
    check.add('verification', `must be one of ${VERIFICATIONS.join(', ')}`, value.verification);
  }
  check.optionalString(value, '', 'source');
  const namespace = typeof value.source === 'string' && value.source !== '' ? value.source : value.provider;
  if (typeof namespace === 'string' && namespace !== '' && typeof value.id === 'string' && value.id !== '') {
    const expectedKey = `${namespace}:${value.id}`;
    if (value.idempotencyKey !== expectedKey) {
      check.add('idempotencyKey', `must be "${expectedKey}" (${value.source === undefined ? 'provider' : 'source'}:id)`, value.idempotencyKey);
    }
  } else {
    // The key cannot be derived from a wrong provider or id, which are reported already.
    check.requiredString(value, '', 'idempotencyKey');
  }
  if (!('raw' in value)) check.add('raw', "must be present (the provider's payload, null when there is none)", undefined);

  if (check.errors.length > 0) return { ok: false, errors: check.errors };
  return { ok: true, event: value as unknown as PaymentEvent };
}
