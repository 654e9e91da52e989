import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { DeliveryClient, type DeliverySender } from '../../runtime/src/delivery/post';
import { DeliveryThread } from '../../runtime/src/delivery/thread';

/**
 * The delivery client against a real loopback server: what it sends, how each kind of
 * failure is classified, and that connections are kept alive between deliveries. The same
 * for the client on this thread and for the delivery thread the runtime sends through.
 */
const SECRET = `whsec_${Buffer.from('delivery-client-test-secret-32by').toString('base64')}`;
const TRACEPARENT = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  socket: Socket;
}

async function listen(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; server: Server; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString(), socket: request.socket });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server, received };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe.each([
  ['DeliveryClient', () => new DeliveryClient()],
  ['DeliveryThread', () => new DeliveryThread()],
])('%s', (_name, create: () => DeliverySender) => {
  const client = create();
  const servers: Server[] = [];
  afterAll(async () => {
    await client.close();
    await Promise.all(servers.map((server) => close(server)));
  });
  const start = async (answer: (request: IncomingMessage, response: ServerResponse) => void) => {
    const started = await listen(answer);
    servers.push(started.server);
    return started;
  };
  const post = (url: string, overrides: { body?: string; timeoutMs?: number; signingSecret?: string } = {}) =>
    client.post({ url, id: 'stripe:evt_1', body: overrides.body ?? '{"ok":true}', signingSecret: overrides.signingSecret, timeoutMs: overrides.timeoutMs ?? 2_000, traceparent: TRACEPARENT });

  it('sends the body signed with Standard Webhooks, verifiable by the standardwebhooks SDK, and reuses the connection', async () => {
    const { url, received } = await start((_request, response) => response.end('ok'));
    const body = JSON.stringify({ idempotencyKey: 'stripe:evt_1', amount: { minor: 2500, currency: 'EUR' } });
    expect(await post(url, { body, signingSecret: SECRET })).toEqual({ ok: true, httpStatus: 200 });
    expect(await post(url, { body, signingSecret: SECRET })).toEqual({ ok: true, httpStatus: 200 });

    const [first, second] = received;
    expect(first.body).toBe(body);
    expect(first.headers).toMatchObject({ 'content-type': 'application/json', traceparent: TRACEPARENT, 'webhook-id': 'stripe:evt_1' });
    const headers = { 'webhook-id': String(first.headers['webhook-id']), 'webhook-timestamp': String(first.headers['webhook-timestamp']), 'webhook-signature': String(first.headers['webhook-signature']) };
    expect(new Webhook(SECRET).verify(first.body, headers)).toEqual(JSON.parse(body));
    expect(second.socket).toBe(first.socket);
  });

  it('sends only the webhook-id when the destination has no signing secret', async () => {
    const { url, received } = await start((_request, response) => response.end());
    await post(url);
    expect(received[0].headers['webhook-id']).toBe('stripe:evt_1');
    expect(received[0].headers['webhook-signature']).toBeUndefined();
  });

  it('reports a 503 as retryable with its Retry-After, and a 400 as final', async () => {
    const { url } = await start((request, response) => {
      if (request.url === '/hook?unavailable') response.writeHead(503, { 'retry-after': '7' }).end('busy');
      else response.writeHead(400).end('no');
    });
    expect(await post(`${url}?unavailable`)).toEqual({ ok: false, retryable: true, httpStatus: 503, message: 'the destination answered HTTP 503', retryAfterMs: 7_000 });
    expect(await post(url)).toMatchObject({ ok: false, retryable: false, httpStatus: 400 });
  });

  it('reports a refused connection as retryable, with its code', async () => {
    const { url, server } = await start((_request, response) => response.end());
    await close(server);
    expect(await post(url)).toEqual({ ok: false, retryable: true, code: 'ECONNREFUSED', message: 'connection failed (ECONNREFUSED)' });
  });

  it('gives up on a destination that does not answer within the timeout, as retryable', async () => {
    const { url } = await start(() => undefined);
    const started = performance.now();
    expect(await post(url, { timeoutMs: 300 })).toEqual({ ok: false, retryable: true, code: 'TIMEOUT', message: 'no answer within 300 ms' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('reports a connection cut mid-answer as retryable', async () => {
    const { url } = await start((_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial');
      response.socket?.destroy();
    });
    expect(await post(url)).toMatchObject({ ok: false, retryable: true });
  });
});
