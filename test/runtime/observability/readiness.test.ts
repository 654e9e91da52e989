import { Redis } from 'ioredis';
import { startRedisServer, type TestRedis } from '../../support/redis-server';
import { startDestination, stripeEventBody, stripeSigned, waitFor, type Destination } from '../support/harness';
import type { Runtime } from '../../../runtime/src/runtime';
import { observedConfig, sample, startObserved } from './support';

/**
 * /healthz answers while the process lives; /readyz follows Redis: unready within five
 * seconds of the test's own redis-server being killed or hanging, ready again once it is
 * back. An ingress+worker process and a worker-only process (which serves health and
 * metrics, and no webhooks) both do.
 */
jest.setTimeout(90_000);

let redis: TestRedis;
let destination: Destination;
const runtimes: Record<'both' | 'worker', { runtime: Runtime; url: string }> = {} as never;

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: true });
  destination = await startDestination();
  const config = observedConfig({ storage: `${redis.url}?prefix=readiness`, destinationUrl: destination.url });
  runtimes.both = await startObserved(config);
  runtimes.worker = await startObserved(config, { role: 'worker' });
});

afterAll(async () => {
  await runtimes.both?.runtime.close();
  await runtimes.worker?.runtime.close();
  await destination?.close();
  await redis?.stop();
});

const status = async (role: 'both' | 'worker', path: string) => (await fetch(`${runtimes[role].url}${path}`)).status;
const ROLES = ['both', 'worker'] as const;

async function allReady(code: number, what: string, timeoutMs: number) {
  await waitFor(async () => (await Promise.all(ROLES.map((role) => status(role, '/readyz')))).every((answer) => answer === code), what, timeoutMs);
}

it('a worker-only process serves health and metrics, and takes no webhooks', async () => {
  expect(await status('worker', '/healthz')).toBe(200);
  const metrics = await (await fetch(`${runtimes.worker.url}/metrics`)).text();
  expect(sample(metrics, 'payment_webhooks_events_delivered_total', { destination: 'n8n' })).toBe(0);
  const body = stripeEventBody();
  const response = await fetch(`${runtimes.worker.url}/webhooks/stripe`, { method: 'POST', body, headers: stripeSigned(body) });
  expect(response.status).toBe(404);
});

it('turns unready within 5 s of Redis stopping and ready again after it returns, staying alive throughout', async () => {
  await allReady(200, 'both processes ready', 5_000);
  await redis.kill();
  await allReady(503, '/readyz to answer 503 in both roles', 5_000);
  for (const role of ROLES) expect(await status(role, '/healthz')).toBe(200);

  await redis.restart();
  await allReady(200, '/readyz to answer 200 again in both roles', 20_000);
  for (const role of ROLES) expect(await status(role, '/healthz')).toBe(200);
});

it('turns unready within 5 s when Redis hangs (stopped, not dead), and ready again when it resumes', async () => {
  const probe = new Redis(redis.url);
  const pid = Number(/process_id:(\d+)/.exec(await probe.info('server'))![1]);
  probe.disconnect();
  await allReady(200, 'both processes ready', 5_000);
  process.kill(pid, 'SIGSTOP');
  try {
    await allReady(503, '/readyz to answer 503 in both roles', 5_000);
    for (const role of ROLES) expect(await status(role, '/healthz')).toBe(200);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await allReady(200, '/readyz to answer 200 again in both roles', 20_000);
});
