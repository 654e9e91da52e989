import type { FastifyRequest } from 'fastify';

/**
 * What every refused webhook request logs, whatever refused it (runtime/README, "Refusals"):
 * an operator filters on `status` or `outcome` and finds the source and the peer address on
 * every line. Never a secret or a signature: `reason` and `detail` come from code that
 * names neither.
 */
export interface Refusal {
  status: number;
  /** `unknown_source`, `wrong_method`, `too_large`, `refused`, `malformed`, `rate_limited`, `unavailable`, … */
  outcome: string;
  reason?: string;
  detail?: string;
  err?: unknown;
}

/** The log line's message and level, when not the plain `webhook refused` warning. */
export interface RefusalLine {
  message?: string;
  level?: 'warn' | 'error';
}

export function logRefusal(request: FastifyRequest, refusal: Refusal, line: RefusalLine = {}): void {
  const source = (request.params as { source?: string } | undefined)?.source ?? '';
  request.log[line.level ?? 'warn']({ source, address: request.ip, ...refusal }, line.message ?? 'webhook refused');
}
