import { join } from 'node:path';
import { chaosRig, chaosRun, expectExactlyOnce, sleep, type ChaosRig } from './support/chaos';
import { adyenGateway } from './support/gateways';

/**
 * The destination (the n8n stand-in) is down for a stretch, its port closed, then back,
 * while an Adyen-like gateway sends 10,000 events to the runtime (SQLite mode). The runtime
 * keeps answering 200 and delivers the backlog once the destination returns.
 */
jest.setTimeout(300_000);

let rig: ChaosRig;

afterAll(() => rig?.close());

it('delivers every accepted event exactly once after the destination comes back', async () => {
  const gateway = adyenGateway();
  rig = await chaosRig({ gateway, storage: (dir) => `sqlite:${join(dir, 'runtime.db')}` });
  await rig.start();

  const figures = await chaosRun({
    name: 'destination down for a stretch, then back (SQLite)',
    rig,
    gateway,
    faults: async ({ random, elapsed }) => {
      await sleep(3_000 + Math.floor(random() * 4_000));
      await rig.destination.down();
      const downMs = 8_000 + Math.floor(random() * 4_000);
      const fault = `destination down at ${elapsed()} for ${downMs} ms (${rig.destination.effects.size} effects before)`;
      await sleep(downMs);
      await rig.destination.up();
      return [fault];
    },
  });
  expect(rig.destination.badSignatures()).toBe(0);
  expectExactlyOnce(figures);
});
