import { join } from 'node:path';
import {
  postWebhook,
  redisStorage,
  spawnRuntime,
  startDestination,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  writeConfig,
  type Destination,
  type RuntimeProcess,
} from './support/harness';

/**
 * SIGTERM: the runtime stops accepting, lets the delivery in flight finish (so it is
 * acknowledged, not sent again after a restart), closes its storage and exits 0.
 */
jest.setTimeout(30_000);

const dir = tempDir();
let destination: Destination;
const processes: RuntimeProcess[] = [];

beforeAll(async () => {
  destination = await startDestination(() => ({ status: 200, delayMs: 1_000 }));
});
afterAll(async () => {
  for (const runtime of processes) runtime.child.kill('SIGKILL');
  await Promise.all(processes.map((runtime) => runtime.exited));
  await destination.close();
  dir.remove();
});

const modes = [
  ['sqlite', () => `sqlite:${join(dir.path, 'shutdown.db')}`],
  ['redis', () => redisStorage()],
] as const;

it.each(modes)('finishes the delivery in flight on SIGTERM and does not send it again after a restart (%s storage)', async (_mode, storage) => {
  destination.received.length = 0;
  const config = writeConfig(dir.path, {
    storage: storage(),
    destinationUrl: destination.url,
    logLevel: 'info',
  });
  const first = spawnRuntime(['start', '--config', config]);
  processes.push(first);
  const url = await first.listening;
  const body = stripeEventBody();
  const id = `stripe:${JSON.parse(body).id}`;
  expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
  await waitFor(() => destination.received.length === 1, 'the delivery to start');

  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  expect(first.logs.some((entry) => entry.msg === 'payment-webhooks stopped')).toBe(true);
  await expect(postWebhook(url, 'stripe', body, stripeSigned(body))).rejects.toThrow();

  const second = spawnRuntime(['start', '--config', config]);
  processes.push(second);
  await second.listening;
  await new Promise((done) => setTimeout(done, 1_500));
  expect(destination.byId().get(id)).toHaveLength(1);
});
