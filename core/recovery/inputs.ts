/**
 * Turning what a workflow carries into a recovery input: a canonical `payment.failed` event
 * (or `invoice.payment_failed`), or a plain record with the codes at the top or under `failure`.
 */
import { isPaymentEvent } from '../reconcile/inputs';
import { pick, pickString } from '../providers/payload';
import { isValidTimeZone } from './local-time';
import { signalsFromEvent } from './signals';
import type { Attempt, DeclineSignals, RecoveryInput } from './types';

export class RecoveryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecoveryInputError';
  }
}

const SIGNAL_FIELDS = ['provider', 'code', 'declineCode', 'adviceCode', 'networkDeclineCode', 'merchantAdviceCode', 'network', 'message'] as const;

function toMs(value: unknown, what: string): number {
  const ms = typeof value === 'number' ? (value > 1e12 ? value : value * 1000) : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new RecoveryInputError(`${what} "${String(value)}" is not a time (use ISO 8601, e.g. 2026-03-10T09:00:00Z)`);
  return ms;
}

/** Earlier attempts: a list of times, or of { at, cardFingerprint }, or its JSON text. */
export function parseAttempts(value: unknown): Attempt[] {
  let list = value;
  if (typeof value === 'string') {
    if (value.trim() === '') return [];
    try {
      list = JSON.parse(value);
    } catch {
      throw new RecoveryInputError('Earlier Attempts is not a list (give a JSON list of times, e.g. ["2026-03-01T10:00:00Z"])');
    }
  }
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new RecoveryInputError('Earlier Attempts is not a list of times');
  return list.map((entry, index) => {
    if (entry !== null && typeof entry === 'object') {
      const fingerprint = pickString(entry, 'cardFingerprint');
      return { at: toMs(pick(entry, 'at'), `attempt ${index + 1}`), ...(fingerprint !== undefined && { cardFingerprint: fingerprint }) };
    }
    return { at: toMs(entry, `attempt ${index + 1}`) };
  });
}

export interface ItemContext {
  attempts: unknown;
  timeZone?: string;
  /** Codes given in the node, filling what the item lacks. */
  overrides: Partial<DeclineSignals>;
  now: number;
}

export function recoveryInputFromItem(json: unknown, context: ItemContext): RecoveryInput {
  let signals: DeclineSignals;
  let failedAt: number;
  let cardFingerprint: string | undefined;
  if (isPaymentEvent(json)) {
    signals = signalsFromEvent(json);
    failedAt = toMs(json.occurredAt, 'occurredAt');
    cardFingerprint = json.risk?.cardFingerprint;
  } else {
    if (json === null || typeof json !== 'object') throw new RecoveryInputError('the item is not an object');
    const read = (field: string) => pickString(json, field) ?? pickString(json, 'failure', field);
    signals = Object.fromEntries(SIGNAL_FIELDS.map((field) => [field, read(field)]).filter(([, value]) => value !== undefined));
    const when = pick(json, 'failedAt') ?? pick(json, 'occurredAt');
    failedAt = when === undefined ? context.now : toMs(when, 'failedAt');
    cardFingerprint = pickString(json, 'cardFingerprint');
  }
  const filled = Object.fromEntries(Object.entries(context.overrides).filter(([, value]) => value !== undefined && value !== ''));
  const timeZone = context.timeZone?.trim();
  if (timeZone && !isValidTimeZone(timeZone)) throw new RecoveryInputError(`"${timeZone}" is not a time zone (use a name such as Europe/Berlin)`);
  return {
    signals: { ...filled, ...signals },
    failedAt,
    attempts: parseAttempts(context.attempts),
    ...(cardFingerprint !== undefined && { cardFingerprint }),
    ...(timeZone && { timeZone }),
    now: context.now,
  };
}
