import { validateEvent, type PaymentEvent } from '../event';
import type { FailureOrigin, NewDeadLetter } from './types';

/**
 * Turning a workflow item into a dead letter. Two inputs are understood: n8n's Error Trigger
 * output (`{ execution: { id, url, error, lastNodeExecuted, mode }, workflow: { id, name } }`,
 * or `{ trigger: { error, mode }, workflow }` when the failure came before an execution
 * existed), and any item that carries a canonical event somewhere inside it.
 */

export class DeadLetterInputError extends Error {}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** True when the item is what n8n's Error Trigger emits. */
export function isErrorTriggerItem(item: unknown): boolean {
  if (!isObject(item) || !isObject(item.workflow)) return false;
  return (isObject(item.execution) && 'error' in item.execution) || (isObject(item.trigger) && 'error' in item.trigger);
}

/** Where it failed and why, read from an Error Trigger item. */
export function failureFromErrorTrigger(item: Json): { origin: FailureOrigin; error: NewDeadLetter['error'] } {
  const workflow = isObject(item.workflow) ? item.workflow : {};
  const execution = isObject(item.execution) ? item.execution : undefined;
  const failure = (execution ?? (isObject(item.trigger) ? item.trigger : {})).error;
  const error = isObject(failure) ? failure : { message: text(failure) };
  const failedNode = isObject(error.node) ? text(error.node.name) : undefined;
  // n8n's httpCode holds an HTTP status, or a network code such as ECONNREFUSED.
  const httpCode = text(error.httpCode);
  const httpStatus = httpCode && /^[1-5]\d\d$/.test(httpCode) ? Number(httpCode) : undefined;
  const origin: FailureOrigin = {
    workflowId: text(workflow.id),
    workflowName: text(workflow.name),
    node: failedNode ?? text(execution?.lastNodeExecuted),
    executionId: text(execution?.id),
    executionUrl: text(execution?.url),
  };
  return {
    origin: withoutUndefined(origin),
    error: withoutUndefined({
      message: text(error.message) ?? text(error.description) ?? 'The workflow failed without an error message',
      code: text(error.code) ?? (httpStatus ? undefined : httpCode),
      httpStatus,
    }),
  };
}

/**
 * Where and why it failed, read from an execution as n8n's own "Get Execution" node (with
 * details) returns it: `{ id, workflowId, data: { resultData: { error, lastNodeExecuted } } }`.
 */
export function failureFromExecution(item: Json): { origin: FailureOrigin; error: NewDeadLetter['error'] } | undefined {
  const data = isObject(item.data) ? item.data : undefined;
  const result = data && isObject(data.resultData) ? data.resultData : undefined;
  if (!result || !isObject(result.error)) return undefined;
  const workflowData = isObject(item.workflowData) ? item.workflowData : {};
  return failureFromErrorTrigger({
    execution: { id: item.id, error: result.error, lastNodeExecuted: result.lastNodeExecuted },
    workflow: { id: item.workflowId ?? workflowData.id, name: workflowData.name },
  });
}

/**
 * The first canonical event found inside a value, breadth first: the item itself, its
 * `event` field, or deeper (for example in execution data fetched with n8n's own node).
 */
export function findPaymentEvent(value: unknown, maxNodes = 10_000): PaymentEvent | undefined {
  const queue: unknown[] = [value];
  for (let seen = 0; seen < queue.length && seen < maxNodes; seen++) {
    const candidate = queue[seen];
    if (typeof candidate !== 'object' || candidate === null) continue;
    if (!Array.isArray(candidate)) {
      const check = validateEvent(candidate);
      if (check.ok) return check.event;
    }
    // A canonical event's own raw payload never holds another canonical event.
    for (const [key, child] of Object.entries(candidate)) if (key !== 'raw') queue.push(child);
  }
  return undefined;
}

export interface FromItemOptions {
  /** The event, when the workflow maps it explicitly; otherwise it is searched for in the item. */
  event?: unknown;
  /** Where a replay goes by default: the failed workflow's webhook URL. */
  replayUrl?: string;
  /** The error message, for items that are not Error Trigger output. */
  errorMessage?: string;
  failedAt?: string;
}

/** A dead letter for one item; throws DeadLetterInputError naming what is missing. */
export function deadLetterFromItem(item: unknown, options: FromItemOptions = {}): NewDeadLetter {
  const event = options.event !== undefined ? explicitEvent(options.event) : findPaymentEvent(item);
  if (!event) {
    throw new DeadLetterInputError(
      isErrorTriggerItem(item)
        ? "The Error Trigger item holds no payment event. Add n8n's 'Get Execution' (with details) before this node, or map the event."
        : 'The item holds no payment event (an object with id, provider, kind, idempotencyKey, ...). Map it in the Event field.',
    );
  }
  const failure = !isObject(item) ? undefined : isErrorTriggerItem(item) ? failureFromErrorTrigger(item) : failureFromExecution(item);
  const origin = { ...failure?.origin, ...(options.replayUrl ? { replayUrl: options.replayUrl } : {}) };
  const message = options.errorMessage ?? failure?.error.message ?? errorMessageOf(item);
  return {
    idempotencyKey: event.idempotencyKey,
    provider: event.provider,
    kind: event.kind,
    event,
    origin,
    error: { ...failure?.error, message },
    ...(options.failedAt ? { failedAt: options.failedAt } : {}),
  };
}

function explicitEvent(value: unknown): PaymentEvent {
  const parsed = typeof value === 'string' ? parseJson(value) : value;
  const check = validateEvent(parsed);
  if (!check.ok) throw new DeadLetterInputError(`The Event field is not a payment event: ${check.errors.join('; ')}`);
  return check.event;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new DeadLetterInputError('The Event field is text that is not JSON');
  }
}

function errorMessageOf(item: unknown): string {
  if (isObject(item)) {
    const error = item.error;
    if (typeof error === 'string' && error) return error;
    if (isObject(error) && text(error.message)) return text(error.message)!;
  }
  return 'Added by hand';
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
