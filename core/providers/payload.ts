import { createHash } from 'node:crypto';
import { RedirectRefusedError, fetchWithoutRedirects } from '../credentialed-fetch';
import type { EventKind, MoneyAmount, PaymentEvent } from '../event';
import { MoneyError, fromProviderMinor, parseDecimal, type CurrencyRules } from '../money';
import type { NormalizeResult, ProviderContext, Refusal, SourceConfig } from './types';

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

/**
 * The kind for a provider type from its table; unknown types are `other`. Own properties only,
 * so a type named like an Object.prototype member (`constructor`) cannot pick up a function.
 */
export function kindFrom(table: Readonly<Record<string, EventKind>>, type: string): EventKind {
  return Object.prototype.hasOwnProperty.call(table, type) ? table[type] : 'other';
}

/**
 * An amount through core/money.ts, or undefined when the payload's amount or currency is not
 * one money.ts accepts: a strange amount must not turn a genuine event into a refusal.
 */
export function moneyOrUndefined(convert: () => MoneyAmount): MoneyAmount | undefined {
  try {
    return convert();
  } catch (error) {
    if (error instanceof MoneyError) return undefined;
    throw error;
  }
}

/** An integer amount in ISO minor units with its currency, from any two payload fields. */
export function isoMinorAmount(amount: unknown, currency: unknown): MoneyAmount | undefined {
  if (typeof amount !== 'number' || typeof currency !== 'string') return undefined;
  return moneyOrUndefined(() => fromProviderMinor(amount, currency, 'iso'));
}

/** A decimal-string amount (`"10.00"`) with its currency, from any two payload fields. */
export function decimalAmount(value: unknown, currency: unknown): MoneyAmount | undefined {
  if (typeof value !== 'string' || typeof currency !== 'string') return undefined;
  return moneyOrUndefined(() => parseDecimal(value, currency));
}

/** Joins the parts of a derived event id, leaving out missing ones. */
export function derivedId(...parts: Array<string | undefined>): string {
  return parts.filter((part): part is string => part !== undefined && part !== '').join(':');
}

/** A name and surname pair as one display name. */
export function fullName(first: string | undefined, last: string | undefined): string | undefined {
  const name = [first, last].filter(Boolean).join(' ');
  return name === '' ? undefined : name;
}

/** Drops undefined fields so events compare and serialize cleanly. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/**
 * The API base URL for a confirm fetch: the gateway's own unless the source sets
 * `apiBaseUrl` (for tests on loopback and for self-hosted egress proxies).
 */
export function apiBase(config: SourceConfig, gatewayDefault: string): string {
  const configured = config.apiBaseUrl;
  return (typeof configured === 'string' && configured !== '' ? configured : gatewayDefault).replace(/\/+$/, '');
}

/** HTTP answers from a gateway's API that mean "not now" rather than "no". */
const RETRYABLE_API_STATUS = (status: number) => status >= 500 || status === 429 || status === 408;

/**
 * A failed call to a gateway's API as a refusal: `confirm_unavailable` when asking again later
 * may succeed (no answer, 5xx, 408, 429), so the receiver answers 503 and the gateway retries;
 * otherwise `confirm_failed`. The detail names the call and status, never the credentials.
 */
function apiFailure(what: string, failure: { thrown: unknown } | { status: number }): Refusal {
  if ('thrown' in failure) return { ok: false, reason: 'confirm_unavailable', detail: `${what} failed: ${(failure.thrown as Error)?.message ?? String(failure.thrown)}` };
  const reason = RETRYABLE_API_STATUS(failure.status) ? 'confirm_unavailable' : 'confirm_failed';
  return { ok: false, reason, detail: `${what} answered HTTP ${failure.status}` };
}

/** How long a gateway's API gets to answer one call, so a hung API cannot hold the request. */
const API_TIMEOUT_MS = 10_000;

/**
 * One call to a gateway's API (or PayPal's certificate host), bounded by API_TIMEOUT_MS, its
 * whole answer read: the body of a 2xx, or the failure as `apiFailure` classifies it. A
 * connection cut while the body is read counts as no answer. Calls carry the gateway's API
 * key, so a redirect is refused (`confirm_failed`), never followed.
 */
export async function callGatewayApi(url: string | URL, init: RequestInit, context: ProviderContext): Promise<{ ok: true; body: Buffer } | Refusal> {
  const what = `${init.method ?? 'GET'} ${new URL(url).pathname}`;
  let response: Response;
  let body: Buffer;
  try {
    response = await fetchWithoutRedirects(url, { ...init, signal: AbortSignal.timeout(API_TIMEOUT_MS) }, context.fetch);
    body = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    if (error instanceof RedirectRefusedError) return { ok: false, reason: 'confirm_failed', detail: `${what} ${error.message}` };
    return apiFailure(what, { thrown: error });
  }
  return response.ok ? { ok: true, body } : apiFailure(what, response);
}

/** callGatewayApi for an answer that must be a JSON object; one that is not is `confirm_failed`. */
export async function requestJsonObject(url: string, init: RequestInit, context: ProviderContext): Promise<{ ok: true; value: JsonObject } | Refusal> {
  const answer = await callGatewayApi(url, init, context);
  if (!answer.ok) return answer;
  const parsed = parseJsonObject(answer.body);
  if (!parsed.ok) return { ok: false, reason: 'confirm_failed', detail: `${init.method ?? 'GET'} ${new URL(url).pathname}: ${parsed.detail}` };
  return parsed;
}

/** GETs a JSON object from a gateway's API for `confirm`. */
export function fetchJsonObject(url: string, authorization: string, context: ProviderContext): Promise<{ ok: true; value: JsonObject } | Refusal> {
  return requestJsonObject(url, { headers: { authorization, accept: 'application/json' } }, context);
}

/** A nested JSON object (not an array, not null) by path, or undefined. */
export function pickObject(value: unknown, ...path: Array<string | number>): JsonObject | undefined {
  const found = pick(value, ...path);
  return found !== null && typeof found === 'object' && !Array.isArray(found) ? (found as JsonObject) : undefined;
}

/** The refusal normalize() returns for a body it cannot read. */
export function malformedBody(detail: string): Extract<NormalizeResult, { ok: false }> {
  return { ok: false, reason: 'malformed_body', detail };
}

/**
 * An amount in a gateway's integer minor units (a number, or digits in a string as Paddle
 * sends them), converted with that gateway's currency rules (Stripe's ISK, Adyen's CLP).
 */
export function providerMinorAmount(value: unknown, currency: unknown, rules: CurrencyRules): MoneyAmount | undefined {
  const amount = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof amount !== 'number' || typeof currency !== 'string') return undefined;
  return moneyOrUndefined(() => fromProviderMinor(amount, currency, rules));
}

/** Like compact(), but undefined when nothing is left, for optional nested event fields. */
export function nonEmpty<T extends object>(value: T): T | undefined {
  const kept = compact(value);
  return Object.keys(kept).length === 0 ? undefined : kept;
}

/** The SHA-256 hex of a body's bytes: an identity a signed body carries when it names no event id of its own. */
export function bodyDigest(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** A test event's id derived from its body, so resending the same body keeps the id, as a gateway's retry would. */
export function stableTestId(prefix: string, body: Buffer): string {
  return `${prefix}${bodyDigest(body).slice(0, 24)}`;
}
