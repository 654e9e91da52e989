import { redisStorage } from '../runtime/support/harness';
import { chaosRig, chaosRun, expectExactlyOnce, sleep, type ChaosRig } from './support/chaos';
import { stripeGateway } from './support/gateways';

/**
 * Redis mode scaled out: one ingress process and three worker processes on one Redis; one
 * worker is SIGKILLed mid-run. Its jobs in flight come back when their leases lapse.
 */
jest.setTimeout(300_000);

let rig: ChaosRig;

afterAll(() => rig?.close());

it('loses no accepted event and runs no effect twice when one of three workers is killed', async () => {
  const gateway = stripeGateway();
  rig = await chaosRig({ gateway, storage: () => redisStorage(), config: { concurrency: 8 } });
  const workers = await Promise.all([rig.start('worker'), rig.start('worker'), rig.start('worker')]);
  await rig.start('ingress');

  const figures = await chaosRun({
    name: 'three workers on one Redis, one SIGKILLed',
    rig,
    gateway,
    faults: async ({ random, elapsed }) => {
      await sleep(4_000 + Math.floor(random() * 8_000));
      const victim = Math.floor(random() * workers.length);
      await rig.kill(workers[victim]);
      return [`worker ${victim + 1} of 3 SIGKILLed at ${elapsed()} (${rig.destination.effects.size} effects before)`];
    },
  });
  expect(rig.destination.badSignatures()).toBe(0);
  expectExactlyOnce(figures);
});
