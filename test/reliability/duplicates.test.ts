import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { chaosRig, chaosRun, expectExactlyOnce, type ChaosRig } from './support/chaos';
import { standardWebhooksGateway } from './support/gateways';

/**
 * Every event sent five times: two copies at the same moment (concurrent identical
 * requests), three more within the next two seconds. The runtime (SQLite mode) stores each
 * event once, with one delivery row, and the destination runs each effect once. (A delivery
 * may still be sent again when the destination is slower than the delivery timeout under
 * this load: at least once, absorbed by the destination's claim.)
 */
jest.setTimeout(300_000);

let rig: ChaosRig;

afterAll(() => rig?.close());

it('stores and delivers each event once when every event is sent five times', async () => {
  const gateway = standardWebhooksGateway();
  rig = await chaosRig({ gateway, storage: (dir) => `sqlite:${join(dir, 'runtime.db')}` });
  await rig.start();
  const file = join(rig.dataDir, 'runtime.db');

  const figures = await chaosRun({
    name: 'every event sent 5 times, 2 copies at the same moment (SQLite)',
    rig,
    gateway,
    simulator: { ratePerSecond: 200, concurrency: 48, copies: { count: 5, simultaneous: 2, spreadMs: 2_000 } },
    faults: async () => ['5 copies per event, 2 of them concurrent'],
  });
  expect(figures.requests).toBeGreaterThanOrEqual(figures.events * 5);
  expect(rig.destination.badSignatures()).toBe(0);
  expectExactlyOnce(figures);
  // The runtime's own deduplication: one stored event and one delivery row per event.
  const db = new BetterSqlite3(file, { readonly: true });
  const count = (sql: string) => (db.prepare(sql).get() as { count: number }).count;
  const stored = { events: count('SELECT count(*) AS count FROM events'), deliveries: count('SELECT count(*) AS count FROM deliveries') };
  const resent = count('SELECT count(*) AS count FROM deliveries WHERE attempts > 1');
  db.close();
  process.stdout.write(`  stored: ${stored.events} events, ${stored.deliveries} delivery rows, ${resent} sent more than once\n`);
  expect(stored).toEqual({ events: figures.events, deliveries: figures.events });
});
