import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { parseRetryAfter } from './backoff';
import { signMessage } from '../../../core/providers/standard-webhooks';

/**
 * What one HTTP attempt came to, classified for the retry decision. `n8nExecutionId` is the
 * n8n execution that took the delivery, where the answer names it (executionIdIn).
 */
export type AttemptResult = (
  | { ok: true; httpStatus: number }
  | { ok: false; retryable: boolean; message: string; httpStatus?: number; code?: string; retryAfterMs?: number }
) & { n8nExecutionId?: string };

/** n8n's execution ids are numbers (or UUIDs); anything else is not logged or traced. */
const EXECUTION_ID = /^[A-Za-z0-9-]{1,64}$/;
/** An answer's body is read only when it is JSON this small; anything else is drained unread. */
const ANSWER_BODY_LIMIT = 4096;

/**
 * The n8n execution an answer names: `{"executionId": …}`, which the Payment Webhook Trigger
 * answers on n8n 2.x (where n8n creates the execution before it answers) and a Respond to
 * Webhook node can answer on 1.x (docs/operations.md, "Tracing").
 */
function executionIdIn(body: Buffer | undefined): string | undefined {
  if (!body || body.length === 0) return undefined;
  try {
    const executionId = (JSON.parse(body.toString('utf8')) as { executionId?: unknown } | null)?.executionId;
    const text = typeof executionId === 'number' ? String(executionId) : executionId;
    return typeof text === 'string' && EXECUTION_ID.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

export interface SignedPost {
  url: string;
  /** The event's idempotency key: the receiver's dedupe key (`webhook-id`). */
  id: string;
  body: string;
  signingSecret?: string;
  timeoutMs: number;
  traceparent: string;
}

/** What sends a delivery's request: a DeliveryClient on this thread, or the DeliveryThread (thread.ts). */
export interface DeliverySender {
  /** Never rejects: every failure is an attempt result. */
  post(request: SignedPost): Promise<AttemptResult>;
  close(): void | Promise<void>;
}

/** 408, 409 and 429 are the 4xx answers that mean "later", not "never". */
const RETRYABLE_4XX = new Set([408, 409, 429]);

export function classify(status: number): 'success' | 'retry' | 'permanent' {
  if (status >= 200 && status < 300) return 'success';
  if (status >= 500 || RETRYABLE_4XX.has(status)) return 'retry';
  return 'permanent';
}

/**
 * POSTs bodies signed with Standard Webhooks over keep-alive connections (node:http: per
 * request it costs a fraction of the CPU of fetch, which bounds delivery throughput).
 * Network failures and timeouts are retryable. One per runtime; `close` drops its idle
 * connections.
 */
export class DeliveryClient implements DeliverySender {
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  /**
   * A request Node refuses to build (a header value with CR, LF or a non-Latin-1 character,
   * from an event stored before ingress refused such ids) fails the same way on every attempt,
   * so it is a permanent failure: it is dead-lettered at once instead of retried.
   */
  async post(request: SignedPost): Promise<AttemptResult> {
    try {
      return await this.send(request);
    } catch (error) {
      const { code = 'INVALID_REQUEST', message } = error as Error & { code?: string };
      return { ok: false, retryable: false, code, message: `the delivery cannot be sent: ${message}` };
    }
  }

  private send(request: SignedPost): Promise<AttemptResult> {
    const now = new Date();
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const body = Buffer.from(request.body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': 'payment-webhooks-runtime',
      traceparent: request.traceparent,
      ...(request.signingSecret ? signMessage({ id: request.id, body: request.body, secret: request.signingSecret, now }) : { 'webhook-id': request.id }),
    };
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(result);
      };
      const outgoing = (secure ? httpsRequest : httpRequest)(url, { method: 'POST', headers, agent: this.agents[secure ? 'https' : 'http'] }, (response) => {
        // Read to the end so the connection can be reused; only a small JSON body is kept.
        const keep = /^application\/json\b/i.test(response.headers['content-type'] ?? '');
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (keep && size <= ANSWER_BODY_LIMIT) chunks.push(chunk);
        });
        response.on('end', () => {
          const body = keep && size <= ANSWER_BODY_LIMIT ? Buffer.concat(chunks) : undefined;
          settle(answered(response.statusCode ?? 0, { retryAfter: response.headers['retry-after'], body }, now));
        });
        response.on('error', (error) => settle(networkFailure(error)));
        response.on('close', () => {
          if (!response.complete) settle({ ok: false, retryable: true, code: 'ECONNRESET', message: 'the connection closed before the answer was complete' });
        });
      });
      // One deadline for the whole exchange, connecting and the answer's body included.
      const deadline = setTimeout(() => {
        settle({ ok: false, retryable: true, code: 'TIMEOUT', message: `no answer within ${request.timeoutMs} ms` });
        outgoing.destroy();
      }, request.timeoutMs);
      outgoing.on('error', (error) => settle(networkFailure(error)));
      outgoing.end(body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function answered(status: number, answer: { retryAfter?: string; body?: Buffer }, now: Date): AttemptResult {
  const verdict = classify(status);
  const executionId = executionIdIn(answer.body);
  const named = executionId ? { n8nExecutionId: executionId } : {};
  if (verdict === 'success') return { ok: true, httpStatus: status, ...named };
  return {
    ok: false,
    retryable: verdict === 'retry',
    httpStatus: status,
    message: `the destination answered HTTP ${status}`,
    retryAfterMs: parseRetryAfter(answer.retryAfter ?? null, now.getTime()),
    ...named,
  };
}

function networkFailure(error: Error & { code?: string }): AttemptResult {
  const code = error.code ?? 'NETWORK';
  return { ok: false, retryable: true, code, message: `connection failed (${error.code ?? error.message})` };
}
