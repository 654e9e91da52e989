import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { RedisIdempotencyStore } from '../../../core/idempotency/redis';

/**
 * The destination's side of exactly-once, as a workflow built with Payment Idempotency does
 * it: verify the Standard Webhooks signature (with the `standardwebhooks` package), claim
 * `webhook-id` in the core Redis idempotency store, perform the effect only on `new`,
 * complete the key and answer 2xx. A duplicate answers 200 without an effect; a key another
 * delivery is still working on answers 409 so the runtime tries again later.
 *
 * The effect is a counter per webhook-id: more than one means the event's effect ran twice.
 */
export interface EffectDestination {
  url: string;
  /** Effects per webhook-id. */
  effects: Map<string, number>;
  /** Deliveries received (every request, whatever the answer). */
  deliveries(): number;
  /** Requests refused for a bad signature (the runtime must never send one). */
  badSignatures(): number;
  /** Stops answering: the port is closed and open connections are cut. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export interface EffectDestinationOptions {
  signingSecret: string;
  /** Where the idempotency keys live (a Redis the faults do not touch). */
  redisUrl: string;
  /** How long a claim holds while the effect runs. */
  leaseMs?: number;
}

export async function startEffectDestination(options: EffectDestinationOptions): Promise<EffectDestination> {
  const webhook = new Webhook(options.signingSecret);
  const client = new Redis(options.redisUrl);
  const store = new RedisIdempotencyStore({ client, keyPrefix: `reliability-effects-${randomUUID()}:` });
  const effects = new Map<string, number>();
  let deliveries = 0;
  let badSignatures = 0;

  const handle = async (headers: Record<string, string>, body: string): Promise<number> => {
    try {
      webhook.verify(body, headers);
    } catch {
      badSignatures++;
      return 401;
    }
    const id = headers['webhook-id'];
    const claim = await store.claim(id, { leaseMs: options.leaseMs ?? 30_000 });
    if (claim.status === 'duplicate') return 200;
    if (claim.status === 'in_progress') return 409;
    effects.set(id, (effects.get(id) ?? 0) + 1);
    await store.complete(id, claim.token, { effect: true });
    return 200;
  };

  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        deliveries++;
        const headers = Object.fromEntries(
          ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [name, String(request.headers[name] ?? '')]),
        );
        handle(headers, Buffer.concat(chunks).toString('utf8')).then(
          (status) => response.writeHead(status).end(),
          () => response.writeHead(503).end(),
        );
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server!.address() as AddressInfo).port;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
      server = undefined;
    });

  await listen();
  return {
    url: `http://127.0.0.1:${port}/webhook/payments`,
    effects,
    deliveries: () => deliveries,
    badSignatures: () => badSignatures,
    down: stop,
    up: listen,
    close: async () => {
      await stop();
      client.disconnect();
    },
  };
}
