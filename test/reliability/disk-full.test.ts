import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { chaosRig, chaosRun, expectExactlyOnce, sleep, type ChaosRig } from './support/chaos';
import { stripeGateway } from './support/gateways';

/**
 * The disk under the SQLite file fills up (a small tmpfs, filled by another file) while a
 * Stripe-like gateway sends 10,000 events: ingress answers 503 while no write fits, never 200
 * for an event it could not store; the file stays consistent, and once space returns the
 * runtime accepts again and delivers everything it accepted.
 *
 * Mounting a tmpfs needs root (or CAP_SYS_ADMIN). Without it the run is skipped and says so.
 */
jest.setTimeout(300_000);

const MOUNT_SIZE = '64m';
const mountPoint = mkdtempSync(join(tmpdir(), 'pw-diskfull-'));

function mountTmpfs(): string | undefined {
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${MOUNT_SIZE}`, 'tmpfs', mountPoint], { encoding: 'utf8' });
  if (result.status === 0) return undefined;
  return (result.stderr || result.error?.message || `mount exited ${result.status}`).trim();
}

const mountProblem = mountTmpfs();
if (mountProblem) {
  process.stdout.write(`\nSKIPPED disk-full run: cannot mount a ${MOUNT_SIZE} tmpfs (${mountProblem}); it needs root or CAP_SYS_ADMIN.\n`);
}
const itWithTmpfs = mountProblem ? it.skip : it;

/** Writes zeros into `file` until the filesystem has no room left; returns the bytes written. */
function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

let rig: ChaosRig | undefined;

afterAll(async () => {
  await rig?.close();
  if (!mountProblem) spawnSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

itWithTmpfs('answers 503 while the disk is full, writes nothing half-way and recovers when space returns', async () => {
  const gateway = stripeGateway();
  const database = join(mountPoint, 'runtime.db');
  const filler = join(mountPoint, 'filler');
  rig = await chaosRig({ gateway, storage: () => `sqlite:${database}` });
  await rig.start();

  let fullFrom = 0;
  let fullUntil = 0;
  const figures = await chaosRun({
    name: `disk under the SQLite file full (${MOUNT_SIZE} tmpfs)`,
    rig,
    gateway,
    faults: async ({ random, elapsed }) => {
      await sleep(3_000 + Math.floor(random() * 4_000));
      const bytes = fillDisk(filler);
      fullFrom = Date.now();
      const at = elapsed();
      const fullMs = 4_000 + Math.floor(random() * 3_000);
      await sleep(fullMs);
      rmSync(filler);
      fullUntil = Date.now();
      return [`disk filled at ${at} (${(bytes / 1024 / 1024).toFixed(1)} MiB filler), space back after ${fullMs} ms`];
    },
  });

  // While full, ingress refused with 503 (the gateway kept the events and retried).
  expect(figures.outcomes['503'] ?? 0).toBeGreaterThan(0);
  expect(Object.keys(figures.outcomes).filter((outcome) => outcome !== '200' && outcome !== '503')).toEqual([]);
  expect(fullUntil).toBeGreaterThan(fullFrom);
  expectExactlyOnce(figures);

  // Nothing half-written: the file is consistent, every delivery has its event and every event its delivery.
  const db = new BetterSqlite3(database, { readonly: true });
  const count = (sql: string) => (db.prepare(sql).get() as { count: number }).count;
  const integrity = db.pragma('integrity_check', { simple: true });
  const orphanDeliveries = count('SELECT count(*) AS count FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.key = d.event_key)');
  const eventsWithoutDelivery = count('SELECT count(*) AS count FROM events e WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_key = e.key)');
  const unreadable = (db.prepare('SELECT body FROM events').all() as Array<{ body: string }>).filter(({ body }) => {
    try {
      JSON.parse(body);
      return false;
    } catch {
      return true;
    }
  }).length;
  db.close();
  process.stdout.write(`  SQLite after the run: integrity ${integrity}, ${orphanDeliveries} orphan deliveries, ${eventsWithoutDelivery} events without a delivery, ${unreadable} unreadable bodies\n`);
  expect(integrity).toBe('ok');
  expect({ orphanDeliveries, eventsWithoutDelivery, unreadable }).toEqual({ orphanDeliveries: 0, eventsWithoutDelivery: 0, unreadable: 0 });
});
