import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { DeliveryThread } from '../../runtime/src/delivery/thread';

/**
 * The delivery thread's own failures, against a real loopback server (delivery-client.test.ts
 * covers what it sends and how answers are classified): a thread that dies fails what waited
 * on it as retryable attempts and is replaced; requests made together cross in one message.
 */
const TRACEPARENT = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';

let server: Server;
let url: string;
/** Requests the server holds unanswered until the test releases them. */
let held: Array<() => void> = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const status = /^\/status\/(\d+)$/.exec(request.url ?? '');
      if (request.url === '/hold') held.push(() => response.end());
      else if (status) response.writeHead(Number(status[1])).end();
      else response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const release of held) release();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = (thread: DeliveryThread, path: string, id = 'stripe:evt_1') => thread.post({ url: `${url}${path}`, id, body: '{}', timeoutMs: 10_000, traceparent: TRACEPARENT });
/** The thread the runtime would send through (private; terminated here as a crash would end it). */
const workerOf = (thread: DeliveryThread) => (thread as unknown as { worker?: Worker }).worker;

it('fails the deliveries waiting on a thread that dies as retryable attempts, and sends the next through a new thread', async () => {
  const thread = new DeliveryThread();
  try {
    const waiting = [post(thread, '/hold', 'stripe:evt_a'), post(thread, '/hold', 'stripe:evt_b')];
    while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const first = workerOf(thread)!;
    await first.terminate();
    for (const result of await Promise.all(waiting)) {
      expect(result).toEqual({ ok: false, retryable: true, code: 'THREAD_LOST', message: 'the delivery thread stopped (exit code 1) before the answer' });
    }
    expect(await post(thread, '/answer')).toEqual({ ok: true, httpStatus: 200 });
    expect(workerOf(thread)).not.toBe(first);
  } finally {
    await thread.close();
  }
});

it('answers a delivery made after close as a retryable failure, without starting a thread', async () => {
  const thread = new DeliveryThread();
  expect(await post(thread, '/answer')).toEqual({ ok: true, httpStatus: 200 });
  await thread.close();
  expect(workerOf(thread)).toBeUndefined();
  expect(await post(thread, '/answer')).toEqual({ ok: false, retryable: true, code: 'THREAD_CLOSED', message: 'the delivery thread is closed' });
  expect(workerOf(thread)).toBeUndefined();
});

it('sends the requests made together in one message, and answers each with its own result', async () => {
  const thread = new DeliveryThread();
  try {
    await post(thread, '/answer');
    const worker = workerOf(thread)!;
    const messages: unknown[] = [];
    const postMessage = worker.postMessage.bind(worker);
    worker.postMessage = (message: unknown) => {
      messages.push(message);
      postMessage(message);
    };
    // Twenty answers, each with a status of its own: 200 to 219.
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => post(thread, `/status/${200 + index}`, `stripe:evt_${index}`)));
    expect(messages).toHaveLength(1);
    expect(results).toEqual(Array.from({ length: 20 }, (_, index) => ({ ok: true, httpStatus: 200 + index })));
  } finally {
    await thread.close();
  }
});
