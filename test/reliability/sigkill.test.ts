import { join } from 'node:path';
import { chaosRig, chaosRun, expectExactlyOnce, sleep, type ChaosRig } from './support/chaos';
import { stripeGateway } from './support/gateways';

/**
 * The runtime (embedded SQLite mode, one process) is killed with SIGKILL at random moments,
 * three times, and restarted each time, while a Stripe-like gateway sends 10,000 events.
 */
jest.setTimeout(300_000);

const KILLS = 3;
let rig: ChaosRig;

afterAll(() => rig?.close());

it('loses no accepted event and runs no effect twice across three SIGKILLs and restarts', async () => {
  const gateway = stripeGateway();
  rig = await chaosRig({ gateway, storage: (dir) => `sqlite:${join(dir, 'runtime.db')}` });
  let runtime = await rig.start();

  const figures = await chaosRun({
    name: 'runtime SIGKILLed 3 times and restarted (SQLite)',
    rig,
    gateway,
    faults: async ({ run, random, elapsed }) => {
      const faults: string[] = [];
      for (let kill = 1; kill <= KILLS; kill++) {
        await sleep(2_000 + Math.floor(random() * 5_000));
        await rig.kill(runtime);
        faults.push(`SIGKILL #${kill} at ${elapsed()} (${run.attempts.length} requests in)`);
        runtime = await rig.start();
      }
      return faults;
    },
  });
  expect(rig.destination.badSignatures()).toBe(0);
  expectExactlyOnce(figures);
});
