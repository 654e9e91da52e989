import { parseRetryAfter } from './backoff';
import { signDelivery } from './sign';

/** What one HTTP attempt came to, classified for the retry decision. */
export type AttemptResult =
  | { ok: true; httpStatus: number }
  | { ok: false; retryable: boolean; message: string; httpStatus?: number; code?: string; retryAfterMs?: number };

export interface SignedPost {
  url: string;
  /** The event's idempotency key: the receiver's dedupe key (`webhook-id`). */
  id: string;
  body: string;
  signingSecret?: string;
  timeoutMs: number;
  traceparent: string;
}

/** 408, 409 and 429 are the 4xx answers that mean "later", not "never". */
const RETRYABLE_4XX = new Set([408, 409, 429]);

export function classify(status: number): 'success' | 'retry' | 'permanent' {
  if (status >= 200 && status < 300) return 'success';
  if (status >= 500 || RETRYABLE_4XX.has(status)) return 'retry';
  return 'permanent';
}

/** POSTs a body signed with Standard Webhooks; network failures and timeouts are retryable. */
export async function postSigned(request: SignedPost, fetchImpl: typeof fetch = fetch): Promise<AttemptResult> {
  const now = new Date();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'payment-webhooks-runtime',
    traceparent: request.traceparent,
    ...(request.signingSecret ? signDelivery(request.id, request.body, request.signingSecret, now) : { 'webhook-id': request.id }),
  };
  try {
    const response = await fetchImpl(request.url, {
      method: 'POST',
      headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    // Drain the body so the connection can be reused; its content is not needed.
    await response.arrayBuffer().catch(() => undefined);
    const verdict = classify(response.status);
    if (verdict === 'success') return { ok: true, httpStatus: response.status };
    return {
      ok: false,
      retryable: verdict === 'retry',
      httpStatus: response.status,
      message: `the destination answered HTTP ${response.status}`,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now.getTime()),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const timedOut = (error as Error).name === 'TimeoutError';
    return {
      ok: false,
      retryable: true,
      code: timedOut ? 'TIMEOUT' : (cause?.code ?? 'NETWORK'),
      message: timedOut ? `no answer within ${request.timeoutMs} ms` : `connection failed (${cause?.code ?? (error as Error).message})`,
    };
  }
}

