import { join } from 'node:path';
import {
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

/**
 * Priority lanes under backlog: events queued while no worker runs are delivered
 * high-value (core/risk's priority lane) first, whatever order they arrived in.
 */
jest.setTimeout(30_000);

const dir = tempDir();
let destination: Destination;

beforeAll(async () => {
  destination = await startDestination();
});
afterAll(async () => {
  await destination.close();
  dir.remove();
});

const modes = [
  ['sqlite', () => `sqlite:${join(dir.path, 'lanes.db')}`],
  ['redis', () => redisStorage()],
] as const;

it.each(modes)('delivers the priority lane first under backlog (%s storage)', async (_mode, makeStorage) => {
  destination.received.length = 0;
  const storage = makeStorage();
  const ingress = await startRuntime({ storage, destinationUrl: destination.url, role: 'ingress' });
  // USD 1,000.00 and above is high value by core/risk's default thresholds.
  const amounts = Array.from({ length: 12 }, (_, index) => (index % 3 === 2 ? 250_000 : 1_500));
  const expected = new Map<string, number>();
  for (const amount of amounts) {
    const body = stripeEventBody(undefined, amount);
    expect((await postWebhook(ingress.url, 'stripe', body, stripeSigned(body))).status).toBe(200);
    expected.set(`stripe:${JSON.parse(body).id}`, amount);
  }
  await ingress.runtime.close();

  const worker = await startRuntime({ storage, destinationUrl: destination.url, role: 'worker', concurrency: 1 });
  try {
    await waitFor(() => destination.received.length === amounts.length, 'every delivery');
    const order = destination.received.map((entry) => expected.get(String(entry.headers['webhook-id'])));
    expect(order).toEqual([...amounts].sort((a, b) => b - a));
  } finally {
    await worker.runtime.close();
  }
});
