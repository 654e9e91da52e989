import { Redis } from 'ioredis';
import { startRedisServer, type TestRedis } from '../../support/redis-server';
import { startDestination, waitFor, type Destination } from '../support/harness';
import type { Runtime } from '../../../runtime/src/runtime';
import { observedConfig, startObserved } from './support';

/**
 * /healthz answers while the process lives; /readyz follows Redis: unready within five
 * seconds of the test's own redis-server being killed, ready again once it is back.
 */
jest.setTimeout(60_000);

let redis: TestRedis;
let destination: Destination;
let runtime: Runtime;
let url: string;

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: true });
  destination = await startDestination();
  ({ runtime, url } = await startObserved(observedConfig({ storage: `${redis.url}?prefix=readiness`, destinationUrl: destination.url })));
});

afterAll(async () => {
  await runtime?.close();
  await destination?.close();
  await redis?.stop();
});

const status = async (path: string) => (await fetch(`${url}${path}`)).status;

it('turns unready within 5 s of Redis stopping and ready again after it returns, staying alive throughout', async () => {
  expect(await status('/readyz')).toBe(200);
  expect(await status('/healthz')).toBe(200);

  await redis.kill();
  await waitFor(async () => (await status('/readyz')) === 503, '/readyz to answer 503', 5_000);
  expect(await status('/healthz')).toBe(200);

  await redis.restart();
  await waitFor(async () => (await status('/readyz')) === 200, '/readyz to answer 200 again', 20_000);
  expect(await status('/healthz')).toBe(200);
});

it('turns unready within 5 s when Redis hangs (stopped, not dead), and ready again when it resumes', async () => {
  const probe = new Redis(redis.url);
  const pid = Number(/process_id:(\d+)/.exec(await probe.info('server'))![1]);
  probe.disconnect();
  expect(await status('/readyz')).toBe(200);
  process.kill(pid, 'SIGSTOP');
  try {
    await waitFor(async () => (await status('/readyz')) === 503, '/readyz to answer 503', 5_000);
    expect(await status('/healthz')).toBe(200);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await waitFor(async () => (await status('/readyz')) === 200, '/readyz to answer 200 again', 20_000);
});
