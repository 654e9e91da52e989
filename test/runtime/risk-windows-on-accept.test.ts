import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { completedValue } from '../../core/idempotency/redis';
import type { RiskWindowStore } from '../../core/risk/types';
import { openStorage } from '../../runtime/src/storage/open';
import { DuplicateNotScored, RedisIntake } from '../../runtime/src/storage/redis-intake';
import type { Lane, RuntimeStorage } from '../../runtime/src/storage/types';
import { commandsDuring } from '../support/redis-commands';
import { startRedisServer, type TestRedis } from '../support/redis-server';
import { paymentEvent } from '../unit/risk/events';

/**
 * What ingress's accept feeds the risk windows: a new event is counted once, a replayed one
 * never (an attacker holding one captured request must not inflate a customer's attempts or a
 * source's volume and so push real payments into review). In Redis mode the windows are counted
 * in the claim's own script, which skips a completed key's calls: checked here on both storages,
 * and, for Redis, that a turn's claims and windows take one round trip.
 */
jest.setTimeout(30_000);

const WINDOW_MS = 600_000;
const BUCKET_MS = 60_000;

let redis: TestRedis;
let dir: string;
beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: false });
  dir = mkdtempSync(join(tmpdir(), 'pw-accept-windows-'));
});
afterAll(async () => {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A lane chooser that counts the event in a customer's window and the source's volume, and
 * records what it saw. One clock reading for all its events, so none crosses into a new bucket.
 */
function scorer() {
  const seen: Array<{ attempts: number; volume: number }> = [];
  const now = Date.now();
  const chooseLane = async (windows: RiskWindowStore, key: string): Promise<Lane> => {
    const [[attempts], volume] = await Promise.all([
      windows.slide([{ key: 'att:customer:cus_1', windowMs: WINDOW_MS, member: key }], now),
      windows.bucket('vol:stripe', now, BUCKET_MS, 3),
    ]);
    seen.push({ attempts, volume: volume[volume.length - 1] });
    return 'standard';
  };
  return { seen, chooseLane };
}

describe.each([
  ['sqlite', () => `sqlite:${join(dir, `${Date.now()}.db`)}`],
  ['redis', () => `${redis.url}?prefix=windows-${Date.now()}`],
])('%s: accepting an event', (_mode, location) => {
  let storage: RuntimeStorage;
  beforeEach(async () => {
    storage = await openStorage(location(), { destinations: ['receipts'] });
  });
  afterEach(async () => {
    await storage.close();
  });

  it('counts a new event in the risk windows once and a duplicate never, alone or in a storm', async () => {
    const { seen, chooseLane } = scorer();
    const accept = (id: string) => {
      const event = paymentEvent({ id });
      return storage.accept(event, ['receipts'], (windows) => chooseLane(windows, event.idempotencyKey));
    };
    expect(await accept('evt_first')).toBe('accepted');
    expect(await accept('evt_first')).toBe('duplicate');
    // Twenty replays in one turn: one batch, every claim finding the key completed.
    expect(await Promise.all(Array.from({ length: 20 }, () => accept('evt_first')))).toEqual(Array(20).fill('duplicate'));
    expect(await accept('evt_second')).toBe('accepted');
    // Only the two new events were scored, and the second saw itself and the first, nothing more.
    expect(seen).toEqual([
      { attempts: 1, volume: 1 },
      { attempts: 2, volume: 2 },
    ]);
  });
});

describe('redis: the intake script', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(redis.url);
  });
  afterAll(() => client.disconnect());

  it("claims a turn's events and counts their windows in one script call, then stores them in another", async () => {
    const storage = await openStorage(`${redis.url}?prefix=round-trips`, { destinations: ['receipts'] });
    try {
      const { seen, chooseLane } = scorer();
      const acceptAll = (ids: string[]) =>
        Promise.all(
          ids.map((id) => {
            const event = paymentEvent({ id });
            return storage.accept(event, ['receipts'], (windows) => chooseLane(windows, event.idempotencyKey));
          }),
        );
      await acceptAll(['evt_warm']); // loads both scripts
      const commands = await commandsDuring(client, async () => expect(await acceptAll(['evt_1', 'evt_2', 'evt_3', 'evt_4'])).toEqual(Array(4).fill('accepted')));
      expect((commands.evalsha ?? 0) + (commands.eval ?? 0)).toBe(2);
      expect(commands.set).toBe(4 + 4 + 4); // the claims, the jobs, the completed keys
      expect(seen.map(({ attempts }) => attempts)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await storage.close();
    }
  });

  it('gates a call whose claim went out in an earlier batch on the key as it stands', async () => {
    const idempotencyKey = (key: string) => `gates:idempotency:${key}`;
    const intake = new RedisIntake(client, { idempotencyKey, riskPrefix: 'gates:risk:', leaseMs: 10_000 });
    const now = Date.now();
    expect(await intake.claim('stripe:evt_held')).toBeNull();
    // Claimed and not completed: the event is being stored, so its windows count it.
    expect(await intake.windowsFor('stripe:evt_held').bucket('vol:stripe', now, BUCKET_MS, 2)).toEqual([0, 1]);
    await client.set(idempotencyKey('stripe:evt_done'), completedValue({}, { completedAt: now, retentionMs: 60_000 }));
    await expect(intake.windowsFor('stripe:evt_done').bucket('vol:stripe', now, BUCKET_MS, 2)).rejects.toThrow(DuplicateNotScored);
    expect(await client.hget('gates:risk:v:vol:stripe', String(Math.floor(now / BUCKET_MS)))).toBe('1');
  });
});
