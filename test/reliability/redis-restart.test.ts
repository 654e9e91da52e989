import { startRedisServer, type TestRedis } from '../support/redis-server';
import { chaosRig, chaosRun, expectExactlyOnce, sleep, type ChaosRig } from './support/chaos';
import { standardWebhooksGateway } from './support/gateways';

/**
 * Redis mode: the runtime's own Redis (appendonly, fsync always, as production Redis must
 * run) is killed and restarted twice while a Svix-like gateway sends 10,000 events. While it
 * is away ingress answers 503 and the gateway retries on its schedule.
 */
jest.setTimeout(300_000);

const RESTARTS = 2;
let redis: TestRedis;
let rig: ChaosRig;

afterAll(async () => {
  await rig?.close();
  await redis?.stop();
});

it('loses no accepted event and runs no effect twice across Redis restarts', async () => {
  redis = await startRedisServer({ appendOnly: true });
  const gateway = standardWebhooksGateway();
  rig = await chaosRig({ gateway, storage: () => `${redis.url}?prefix=reliability` });
  await rig.start();

  const figures = await chaosRun({
    name: 'Redis killed and restarted twice (Redis mode)',
    rig,
    gateway,
    faults: async ({ random, elapsed }) => {
      const faults: string[] = [];
      for (let restart = 1; restart <= RESTARTS; restart++) {
        await sleep(3_000 + Math.floor(random() * 6_000));
        await redis.kill();
        const downMs = 1_000 + Math.floor(random() * 2_000);
        faults.push(`Redis SIGKILL #${restart} at ${elapsed()}, down ${downMs} ms`);
        await sleep(downMs);
        await redis.restart();
      }
      return faults;
    },
  });
  expect(figures.outcomes['503'] ?? 0).toBeGreaterThan(0);
  expect(rig.destination.badSignatures()).toBe(0);
  expectExactlyOnce(figures);
});
