import Redis from 'ioredis';
import { RedisRiskWindowStore } from '../../../core/risk';
import { commandsDuring as countCommands } from '../../support/redis-commands';
import { startRedisServer, type TestRedis } from '../../support/redis-server';

/**
 * What the risk script asks of Redis, counted on a server of this file's own (INFO
 * commandstats counts every command, those inside scripts included): a window the batch
 * creates is counted from what the batch added, and expiries are set only when they have to be.
 */
const T0 = Date.parse('2026-03-01T12:00:00Z');
const WINDOW_MS = 600_000;

describe('the risk script reads and expires windows only where it must', () => {
  let server: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  const commandsDuring = (work: () => Promise<unknown>) => countCommands(client, work);

  it('counts the windows a batch creates without reading them, and gives each the window as its expiry', async () => {
    const store = new RedisRiskWindowStore({ client, keyPrefix: 'new:' });
    let counts: number[][] = [];
    const commands = await commandsDuring(async () => {
      // One turn: two events of two new customers, both from one new email address.
      counts = await Promise.all([
        store.slide([{ key: 'att:customer:a', windowMs: WINDOW_MS, member: 'e1' }, { key: 'att:email:x', windowMs: WINDOW_MS, member: 'e1' }], T0),
        store.slide([{ key: 'att:customer:b', windowMs: WINDOW_MS, member: 'e2' }, { key: 'att:email:x', windowMs: WINDOW_MS, member: 'e2' }], T0),
      ]);
    });
    // Each event sees the counts as they stood after its own, as if scored one at a time.
    expect(counts).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(commands.zcount).toBeUndefined();
    // One PEXPIRE per window: NX succeeds on each, as each is new.
    expect(commands.pexpire).toBe(3);
    for (const key of ['new:w:att:customer:a', 'new:w:att:customer:b', 'new:w:att:email:x']) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(WINDOW_MS - 60_000);
      expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
    }
  });

  it('counts a window that existed and pushes its expiry out', async () => {
    const store = new RedisRiskWindowStore({ client, keyPrefix: 'old:' });
    await store.slide([{ key: 'att:email:y', windowMs: WINDOW_MS, member: 'e1' }], T0);
    await client.pexpire('old:w:att:email:y', 5_000);
    let counts: number[] = [];
    const commands = await commandsDuring(async () => {
      counts = await store.slide([{ key: 'att:customer:c', windowMs: WINDOW_MS, member: 'e2' }, { key: 'att:email:y', windowMs: WINDOW_MS, member: 'e2' }], T0 + 1_000);
    });
    expect(counts).toEqual([1, 2]);
    // The email's window is read; the new customer's is not.
    expect(commands.zcount).toBe(1);
    // The customer's: NX. The email's: NX refused, then the plain one.
    expect(commands.pexpire).toBe(3);
    expect(await client.pttl('old:w:att:email:y')).toBeGreaterThan(WINDOW_MS - 60_000);
  });

  it('counts a window emptied by its trim as new, from what the batch added', async () => {
    const store = new RedisRiskWindowStore({ client, keyPrefix: 'trimmed:' });
    await store.slide([{ key: 'att:ip:z', windowMs: WINDOW_MS, member: 'e1' }], T0);
    // Two members in one batch trim the window first; e1 is outside it by then, so the key is deleted and made again.
    const counts = await Promise.all([
      store.slide([{ key: 'att:ip:z', windowMs: WINDOW_MS, member: 'e2' }], T0 + WINDOW_MS + 1_000),
      store.slide([{ key: 'att:ip:z', windowMs: WINDOW_MS, member: 'e3' }], T0 + WINDOW_MS + 1_000),
    ]);
    expect(counts).toEqual([[1], [2]]);
    expect(await client.pttl('trimmed:w:att:ip:z')).toBeGreaterThan(0);
  });

  it('sets a volume hash’s expiry and looks at its size only when a call starts a new bucket', async () => {
    const store = new RedisRiskWindowStore({ client, keyPrefix: 'volume:' });
    const bucketMs = 60_000;
    const history = 5;
    const commands = await commandsDuring(async () => {
      // Three calls in one bucket, one at a time, then one in the next.
      for (const offset of [0, 1_000, 2_000, bucketMs]) await store.bucket('vol:stripe', T0 + offset, bucketMs, history);
    });
    expect(commands.hincrby).toBe(4);
    expect(commands.pexpire).toBe(2);
    expect(commands.hlen).toBe(2);
    expect(await client.pttl('volume:v:vol:stripe')).toBeGreaterThan(bucketMs * history);
  });
});
