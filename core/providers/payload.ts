import type { PaymentEvent } from '../event';
import type { NormalizeResult } from './types';

export type JsonObject = Record<string, unknown>;

/** Parses a JSON object body; anything else is a malformed body, never an exception. */
export function parseJsonObject(rawBody: Buffer): { ok: true; value: JsonObject } | Extract<NormalizeResult, { ok: false }> {
  let value: unknown;
  try {
    value = JSON.parse(rawBody.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'malformed_body', detail: `the body is not valid JSON (${(error as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'malformed_body', detail: 'the body is JSON but not an object' };
  }
  return { ok: true, value: value as JsonObject };
}

/** Reads a nested field by path without throwing on missing or non-object links. */
export function pick(value: unknown, ...path: Array<string | number>): unknown {
  let current: unknown = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

export function pickString(value: unknown, ...path: Array<string | number>): string | undefined {
  const found = pick(value, ...path);
  if (typeof found === 'string' && found !== '') return found;
  if (typeof found === 'number' && Number.isFinite(found)) return String(found);
  return undefined;
}

export function pickNumber(value: unknown, ...path: Array<string | number>): number | undefined {
  const found = pick(value, ...path);
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

/** Builds the event with its idempotency key derived the one way DESIGN.md gives. */
export function canonicalEvent(
  fields: Omit<PaymentEvent, 'idempotencyKey' | 'receivedAt'>,
  receivedAt: Date,
): PaymentEvent {
  return { ...fields, receivedAt: receivedAt.toISOString(), idempotencyKey: `${fields.provider}:${fields.id}` };
}

/** Unix seconds (or an ISO string) to ISO 8601; falls back to the receive time. */
export function isoTime(value: unknown, fallback: Date): string {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = value > 1e12 ? value : value * 1000;
    const date = new Date(ms);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  if (typeof value === 'string') {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  return fallback.toISOString();
}
