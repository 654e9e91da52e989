import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import {
  DELIVERY_SECRET,
  postWebhook,
  redisStorage,
  startDestination,
  startRuntime,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from './support/harness';
import type { Runtime } from '../../runtime/src/runtime';
import { traceIdFor } from '../../runtime/src/tracing/ids';

/**
 * The main path over loopback, in both storage modes: a gateway-signed event is answered
 * 200, stored and delivered once, signed with Standard Webhooks.
 */
jest.setTimeout(30_000);

const modes = [
  ['sqlite', () => `sqlite:${join(dir.path, 'runtime.db')}`],
  ['redis', () => redisStorage()],
] as const;

const dir = tempDir();
afterAll(() => dir.remove());

describe.each(modes)('ingress and delivery (%s storage)', (_mode, storage) => {
  let destination: Destination;
  let runtime: Runtime;
  let url: string;

  beforeAll(async () => {
    destination = await startDestination();
    ({ runtime, url } = await startRuntime({ storage: storage(), destinationUrl: destination.url }));
  });
  afterAll(async () => {
    await runtime.close();
    await destination.close();
  });

  it('answers 200 to an event signed by the Stripe SDK and delivers it once with a valid Standard Webhooks signature', async () => {
    const body = stripeEventBody();
    const id = `stripe:${JSON.parse(body).id}`;
    const answer = await postWebhook(url, 'stripe', body, stripeSigned(body));
    expect(answer.status).toBe(200);

    await waitFor(() => destination.byId().has(id), 'the delivery');
    const [delivery] = destination.byId().get(id)!;
    const verified = new Webhook(DELIVERY_SECRET).verify(delivery.body, {
      'webhook-id': String(delivery.headers['webhook-id']),
      'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
      'webhook-signature': String(delivery.headers['webhook-signature']),
    }) as { idempotencyKey: string; provider: string; kind: string; amount: unknown };
    expect(verified).toMatchObject({ idempotencyKey: id, provider: 'stripe', kind: 'payment.succeeded', amount: { minor: 2000, currency: 'USD' } });
    // Tracing is off here: the traceparent still names the event's trace, derived from its key.
    expect(delivery.headers.traceparent).toMatch(new RegExp(`^00-${traceIdFor(id)}-[0-9a-f]{16}-01$`));

    // Nothing else arrives for it (a second delivery would show up by now).
    await new Promise((done) => setTimeout(done, 300));
    expect(destination.byId().get(id)).toHaveLength(1);
  });

  it('refuses a tampered event with 401 and stores nothing', async () => {
    const body = stripeEventBody();
    const headers = stripeSigned(body);
    const tampered = body.replace('"amount":2000', '"amount":1');
    const answer = await postWebhook(url, 'stripe', tampered, headers);
    expect(answer.status).toBe(401);
    expect(await runtime['storage']!.idempotency.get(`stripe:${JSON.parse(body).id}`)).toBeNull();
    expect(await runtime['storage']!.backlog()).toBe(0);
  });

  it('delivers an event sent five times once', async () => {
    const body = stripeEventBody();
    const id = `stripe:${JSON.parse(body).id}`;
    const statuses: number[] = [];
    for (let send = 0; send < 5; send++) statuses.push((await postWebhook(url, 'stripe', body, stripeSigned(body))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    await waitFor(() => destination.byId().has(id), 'the delivery');
    await new Promise((done) => setTimeout(done, 300));
    expect(destination.byId().get(id)).toHaveLength(1);
  });

  it('answers 404 for an unknown source', async () => {
    const body = stripeEventBody();
    expect((await postWebhook(url, 'strpe', body, stripeSigned(body))).status).toBe(404);
  });

  it('answers 413 above the body limit', async () => {
    const body = JSON.stringify({ padding: 'x'.repeat(70 * 1024) });
    expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(413);
  });
});
