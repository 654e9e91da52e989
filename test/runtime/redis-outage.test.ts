import { startRedisServer, type TestRedis } from '../support/redis-server';
import {
  postWebhook,
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
 * Redis dies mid-run (SIGKILL of the test's own redis-server, which persists with
 * appendonly as production Redis must): ingress answers 503 and never 200 while it is away,
 * and once it is back every event accepted before is delivered.
 */
jest.setTimeout(90_000);

const dir = tempDir();
let redis: TestRedis;
let destination: Destination;
let runtime: RuntimeProcess;
let url: string;
let destinationUp = false;

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: true });
  destination = await startDestination(() => (destinationUp ? 200 : 503));
  const config = writeConfig(dir.path, {
    storage: `${redis.url}?prefix=outage`,
    destinationUrl: destination.url,
    retry: { maxAttempts: 1000, initialDelayMs: 50, maxDelayMs: 300 },
    limits: { storeTimeoutMs: 1_000 },
    logLevel: 'info',
  });
  runtime = spawnRuntime(['start', '--config', config]);
  url = await runtime.listening;
});

afterAll(async () => {
  runtime?.child.kill('SIGKILL');
  await runtime?.exited;
  await destination?.close();
  await redis?.stop();
  dir.remove();
});

async function sendEvents(count: number): Promise<Array<{ id: string; status: number }>> {
  const results = [];
  for (let index = 0; index < count; index++) {
    const body = stripeEventBody();
    const { status } = await postWebhook(url, 'stripe', body, stripeSigned(body));
    results.push({ id: `stripe:${JSON.parse(body).id}`, status });
  }
  return results;
}

it('answers 503, never 200, while Redis is down, and delivers everything accepted before once it returns', async () => {
  // Accepted while the destination is failing: they wait in Redis for their retries.
  const before = await sendEvents(20);
  expect(before.map((result) => result.status)).toEqual(before.map(() => 200));
  await waitFor(() => destination.received.length >= 20, 'first attempts reaching the failing destination');

  expect(destination.accepted().size).toBe(0);
  await redis.kill();
  const during = await sendEvents(20);
  expect(during.filter((result) => result.status === 200)).toEqual([]);
  expect(new Set(during.map((result) => result.status))).toEqual(new Set([503]));

  await redis.restart();
  destinationUp = true;
  await waitFor(
    () => {
      const delivered = destination.accepted();
      return before.every((result) => delivered.has(result.id));
    },
    'every event accepted before the outage to be delivered',
    60_000,
  );

  // Once the runtime reports ready again, the gateway's retries are accepted.
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 'readiness after the outage');
  const retried = await sendEvents(3);
  expect(retried.map((result) => result.status)).toEqual([200, 200, 200]);
});
