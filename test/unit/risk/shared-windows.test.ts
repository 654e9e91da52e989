import Redis from 'ioredis';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_RISK_CONFIG, RedisRiskWindowStore, scoreEvent } from '../../../core/risk';
import { paymentEvent } from './events';

const run = promisify(execFile);
const T0 = Date.parse('2026-03-01T12:00:00Z');

describe('risk windows shared through one Redis server', () => {
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(process.env.REDIS_URL!);
    clients.push(client);
    return client;
  };
  afterAll(() => Promise.all(clients.map((client) => client.quit())));

  it('gives one count for attempts scored by two connections here and a second OS process at once', async () => {
    const prefix = `test:risk:${randomUUID()}:`;
    const ip = '203.0.113.50';
    const scoreHere = async (redis: Redis, label: string, count: number) => {
      const store = new RedisRiskWindowStore({ client: redis, keyPrefix: prefix });
      for (let i = 0; i < count; i++) {
        await scoreEvent(paymentEvent({ id: `${label}_${i}`, risk: { ip } }), { store, config: DEFAULT_RISK_CONFIG, now: T0 + i });
      }
    };
    const child = run(process.execPath, [join(__dirname, 'child-score.js'), process.env.REDIS_URL!, prefix, ip, '40', String(T0)]);
    await Promise.all([scoreHere(connect(), 'a', 25), scoreHere(connect(), 'b', 15), child]);
    expect((await child).stdout).toBe('scored 40\n');

    // A third connection scores one more attempt and sees everyone's.
    const store = new RedisRiskWindowStore({ client: connect(), keyPrefix: prefix });
    const result = await scoreEvent(paymentEvent({ id: 'probe', risk: { ip } }), { store, config: DEFAULT_RISK_CONFIG, now: T0 + 100 });
    expect(result.signals.find((s) => s.id === 'attempts.ip')).toMatchObject({ value: 81, fired: true });
    // The volume chart counted every event in the same bucket, across processes.
    const buckets = await store.bucket('vol:stripe', T0 + 101, DEFAULT_RISK_CONFIG.rules.spike.bucketMs, 2);
    expect(buckets[1]).toBe(82);
  });

  it('keeps a volume chart of a source that runs for hours to the buckets it shows, through gaps', async () => {
    const prefix = `test:risk:${randomUUID()}:`;
    const redis = connect();
    const store = new RedisRiskWindowStore({ client: redis, keyPrefix: prefix });
    const bucketMs = 60_000;
    const history = 5;
    const seen = new Map<number, number>();
    // Three events a minute for 300 minutes, silent for a minute now and then.
    for (let minute = 0; minute < 300; minute += 1) {
      if (minute % 17 === 16) continue;
      for (let event = 0; event < 3; event += 1) {
        const now = T0 + minute * bucketMs + event * 1_000;
        const counts = await store.bucket('vol:stripe', now, bucketMs, history);
        seen.set(minute, (seen.get(minute) ?? 0) + 1);
        const current = Math.floor(now / bucketMs) - Math.floor(T0 / bucketMs);
        expect(counts).toEqual(Array.from({ length: history }, (_, i) => seen.get(current - history + 1 + i) ?? 0));
      }
    }
    // Older buckets are dropped: the hash never holds much more than the chart shows.
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    expect(await redis.hlen(keys[0])).toBeLessThanOrEqual(2 * history + 1);
    expect(await redis.pttl(keys[0])).toBeGreaterThan(bucketMs * history);
  });
});
