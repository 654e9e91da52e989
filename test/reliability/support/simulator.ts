import { Agent, request as httpRequest } from 'node:http';
import { getProvider } from '../../../core/providers';
import type { GatewayProfile } from './gateways';

/**
 * A payment gateway as the runtime meets it: it sends events at a set rate with several
 * requests in flight, signs every attempt with its own scheme, treats anything but a 2xx
 * (or no answer in time) as a failure and tries again on its own schedule, compressed in
 * time. Every attempt is recorded. An event counts as delivered once one attempt got a 2xx:
 * from then on the gateway forgets it, so the runtime alone is responsible for it.
 */
export interface SimulatorOptions {
  gateway: GatewayProfile;
  /** The webhook URL (`…/webhooks/{source}`). */
  url: string;
  events: number;
  ratePerSecond: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** The gateway's waits between attempts are divided by this. */
  timeCompression: number;
  /** An attempt with no answer within this is a failure (not compressed: answers take real time). */
  attemptTimeoutMs: number;
  /** Makes event ids unique to this run. */
  tag: string;
  /** Send each event `count` times, `simultaneous` of the copies at the same moment, the rest within `spreadMs`. */
  copies?: { count: number; simultaneous: number; spreadMs: number };
  /** The source address (a flood test sends from several loopback addresses). */
  localAddress?: string;
  /** Deterministic choices (copy timing). */
  random?: () => number;
}

export interface Attempt {
  key: string;
  copy: number;
  /** 1 on the first attempt of a copy. */
  attempt: number;
  at: number;
  status?: number;
  error?: string;
}

export interface SimulatorRun {
  /** Every event's idempotency key, in sending order. */
  keys: string[];
  attempts: Attempt[];
  /** Events that got a 2xx. */
  delivered: Set<string>;
  /** Events whose every copy ran out of attempts without a 2xx. */
  gaveUp: Set<string>;
  /** Resolves when every copy of every event is delivered or given up. */
  finished: Promise<void>;
  /** Attempts per answer (`200`, `503`, `ECONNREFUSED`, `TIMEOUT` …). */
  outcomes(): Record<string, number>;
}

/** A counting semaphore: at most `limit` holders at once, FIFO. */
function semaphore(limit: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface PostOptions {
  url: URL;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  agent: Agent;
  localAddress?: string;
}

/** One POST; resolves with the status, or rejects with a code (`TIMEOUT`, `ECONNREFUSED` …). */
function post(options: PostOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      options.url,
      {
        method: 'POST',
        agent: options.agent,
        headers: { ...options.headers, 'content-length': Buffer.byteLength(options.body) },
        ...(options.localAddress && { localAddress: options.localAddress }),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.setTimeout(options.timeoutMs, () => request.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** The key the runtime will give this event: the provider's own normalize says it. */
function keyOf(gateway: GatewayProfile, body: string): string {
  const request = { rawBody: Buffer.from(body), headers: gateway.sign(body, new Date()) };
  const normalized = getProvider(gateway.provider)!.normalize(request, new Date());
  if (!normalized.ok) throw new Error(`the simulator made a body its own provider cannot read: ${normalized.detail}`);
  return normalized.events[0].idempotencyKey;
}

export function simulateGateway(options: SimulatorOptions): SimulatorRun {
  const { gateway } = options;
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const limit = semaphore(options.concurrency);
  const random = options.random ?? Math.random;
  const copies = options.copies ?? { count: 1, simultaneous: 1, spreadMs: 0 };
  const attempts: Attempt[] = [];
  const delivered = new Set<string>();
  const gaveUp = new Set<string>();
  const keys: string[] = [];

  /** One copy of one event: attempts until a 2xx or the schedule runs out. */
  const sendCopy = async (key: string, body: string, copy: number): Promise<boolean> => {
    for (let attempt = 1; attempt <= gateway.retrySchedule.length + 1; attempt++) {
      if (attempt > 1) await sleep(gateway.retrySchedule[attempt - 2] / options.timeCompression);
      const record: Attempt = { key, copy, attempt, at: Date.now() };
      attempts.push(record);
      try {
        const status = await limit(() =>
          post({ url, body, headers: gateway.sign(body, new Date()), timeoutMs: options.attemptTimeoutMs, agent, localAddress: options.localAddress }),
        );
        record.status = status;
        if (status >= 200 && status < 300) return true;
      } catch (error) {
        record.error = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      }
    }
    return false;
  };

  const sendEvent = async (n: number): Promise<void> => {
    const body = gateway.body(n, options.tag);
    const key = keyOf(gateway, body);
    keys.push(key);
    const sends = Array.from({ length: copies.count }, async (_, copy) => {
      if (copy >= copies.simultaneous) await sleep(random() * copies.spreadMs);
      return sendCopy(key, body, copy);
    });
    const results = await Promise.all(sends);
    if (results.some(Boolean)) delivered.add(key);
    else gaveUp.add(key);
  };

  const finished = (async () => {
    const started = Date.now();
    const events: Array<Promise<void>> = [];
    for (let n = 0; n < options.events; n++) {
      const due = started + (n * 1000) / options.ratePerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      events.push(sendEvent(n));
    }
    await Promise.all(events);
    agent.destroy();
  })();

  return {
    keys,
    attempts,
    delivered,
    gaveUp,
    finished,
    outcomes: () => {
      const counts: Record<string, number> = {};
      for (const attempt of attempts) {
        const outcome = attempt.status !== undefined ? String(attempt.status) : (attempt.error ?? 'pending');
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
      return counts;
    },
  };
}
