import Redis from 'ioredis';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DEFAULT_RISK_CONFIG,
  MemoryRiskWindowStore,
  RedisRiskWindowStore,
  riskConfig,
  scoreEvent,
  type RiskAssessment,
  type RiskWindowStore,
} from '../../../core/risk';
import type { PaymentEvent } from '../../../core/event';
import { paymentEvent } from './events';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-01T12:00:00Z');

const redisClients: Redis[] = [];
afterAll(async () => {
  await Promise.all(redisClients.map((client) => client.quit()));
});

const backends: Array<[string, () => RiskWindowStore]> = [
  ['memory', () => new MemoryRiskWindowStore()],
  [
    'redis',
    () => {
      const redis = new Redis(process.env.REDIS_URL!);
      redisClients.push(redis);
      return new RedisRiskWindowStore({ client: redis, keyPrefix: `test:risk:${randomUUID()}:` });
    },
  ],
];

describe.each(backends)('risk scoring with the %s window store', (_name, makeStore) => {
  let store: RiskWindowStore;
  beforeEach(() => {
    store = makeStore();
  });
  const score = (event: PaymentEvent, now: number, config = DEFAULT_RISK_CONFIG) => scoreEvent(event, { store, config, now });
  const fired = (assessment: RiskAssessment) => assessment.signals.filter((s) => s.fired).map((s) => s.id);

  it('blocks a card-testing burst: many small declined attempts from one IP across cards', async () => {
    let last!: RiskAssessment;
    for (let i = 0; i < 12; i++) {
      last = await score(
        paymentEvent({
          kind: 'payment.failed',
          type: 'charge.failed',
          amount: { minor: 100, currency: 'USD' },
          failure: { code: 'card_declined', declineCode: 'do_not_honor' },
          risk: { ip: '203.0.113.7', cardFingerprint: `fp_${i}` },
        }),
        T0 + i * 5_000,
      );
    }
    expect(['block', 'review']).toContain(last.lane);
    expect(last.lane).toBe('block');
    expect(fired(last)).toEqual(
      expect.arrayContaining(['attempts.ip', 'declines.ip', 'declineRatio.ip', 'smallShare.ip', 'distinctCards.ip']),
    );
    const cards = last.signals.find((s) => s.id === 'distinctCards.ip')!;
    expect(cards).toMatchObject({ value: 12, limit: 4, weight: 30, points: 30 });
    expect(last.reasons).toContain('Different cards used by this IP address in 10 min: 12 (limit 4)');
    expect(last.score).toBe(100);
    // Each card was used once: the per-card windows see nothing unusual.
    expect(fired(last).filter((id) => id.endsWith('.card'))).toEqual([]);
  });

  it('sends a high-value payment to the priority lane and says why', async () => {
    const result = await score(paymentEvent({ amount: { minor: 250_000, currency: 'EUR' }, customer: { id: 'cus_big' } }), T0);
    expect(result.lane).toBe('priority');
    expect(result.score).toBe(0);
    expect(result.signals.find((s) => s.id === 'amount.high')).toMatchObject({ value: 250_000, limit: 100_000, fired: true });
    expect(result.reasons).toEqual(['Amount at or above the high-value threshold: 250000 (limit 100000)']);
  });

  it('keeps a steady stream of ordinary payments in the standard lane', async () => {
    const lanes = new Set<string>();
    for (let minute = 0; minute < 30; minute++) {
      for (let i = 0; i < 8; i++) {
        const n = minute * 8 + i;
        const result = await score(
          paymentEvent({
            customer: { id: `cus_${n % 40}`, email: `buyer${n % 40}@example.com` },
            risk: { ip: `198.51.100.${n % 40}`, cardFingerprint: `fp_${n % 40}` },
            kind: n % 10 === 0 ? 'payment.failed' : 'payment.succeeded',
          }),
          T0 + minute * MINUTE + i * 7_000,
        );
        lanes.add(result.lane);
      }
    }
    expect([...lanes]).toEqual(['standard']);
  });

  it('raises the spike signal on a sudden tenfold jump in volume, not on a slow ramp', async () => {
    const spikeFired = async (source: string, perMinute: number[]) => {
      let firedAt: number | undefined;
      for (const [minute, count] of perMinute.entries()) {
        for (let i = 0; i < count; i++) {
          const result = await scoreEvent(paymentEvent({ kind: 'payout.paid' }), {
            store,
            config: DEFAULT_RISK_CONFIG,
            now: T0 + minute * MINUTE + Math.floor((i * MINUTE) / count),
            source,
          });
          const spike = result.signals.find((s) => s.id === 'spike.source');
          if (spike?.fired && firedAt === undefined) firedAt = minute;
        }
      }
      return firedAt;
    };
    const steadyThenJump = [...Array(20).fill(10), 100];
    const slowRamp = Array.from({ length: 30 }, (_, minute) => 10 + minute);
    expect(await spikeFired('jump', steadyThenJump)).toBe(20);
    expect(await spikeFired('ramp', slowRamp)).toBeUndefined();
  });

  it('reviews an event the gateway itself scores as risky', async () => {
    const result = await score(paymentEvent({ risk: { providerScore: 82 } }), T0);
    expect(result.lane).toBe('review');
    expect(result.signals.find((s) => s.id === 'provider.score')).toMatchObject({ value: 82, limit: 75, points: 40 });
  });

  it('does not count a redelivered event twice', async () => {
    const event = paymentEvent({ risk: { ip: '192.0.2.10' } });
    await score(event, T0);
    const again = await score(event, T0 + 1_000);
    expect(again.signals.find((s) => s.id === 'attempts.ip')!.value).toBe(1);
  });

  it('forgets attempts that slid out of the window', async () => {
    const config = riskConfig({ rules: { windowMs: MINUTE } });
    await score(paymentEvent({ risk: { ip: '192.0.2.11' } }), T0, config);
    await score(paymentEvent({ risk: { ip: '192.0.2.11' } }), T0 + 30_000, config);
    const later = await score(paymentEvent({ risk: { ip: '192.0.2.11' } }), T0 + 75_000, config);
    expect(later.signals.find((s) => s.id === 'attempts.ip')!.value).toBe(2);
  });

  it('keeps a redelivered attempt for a window from its latest sighting while older ones expire around it', async () => {
    const config = riskConfig({ rules: { windowMs: MINUTE } });
    const withCard = (fingerprint: string) => paymentEvent({ id: `evt_${fingerprint}`, risk: { ip: '192.0.2.12', cardFingerprint: fingerprint } });
    const first = paymentEvent({ id: 'evt_first', risk: { ip: '192.0.2.12' } });
    await score(first, T0, config);
    await score(withCard('a'), T0 + 10_000, config);
    await score(first, T0 + 50_000, config); // redelivered: its sighting moves to 50 s
    // At 70 s the attempt from 10 s has expired; the first event, last seen at 50 s, has not.
    const later = await score(withCard('b'), T0 + 70_000, config);
    expect(later.signals.find((s) => s.id === 'attempts.ip')!.value).toBe(2);
  });

  it('counts each member once from its latest sighting through thousands of sightings', async () => {
    // 5,000 sightings of 700 members over 50 s against a 10 s window: members recur at
    // random, so expiry keeps meeting superseded sightings, and the memory store drops the
    // sightings it has taken several times. The count is checked against a plain model.
    const windowMs = 10_000;
    const latest = new Map<string, number>();
    let state = 7;
    const next = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0);
    for (let step = 0; step < 5_000; step += 1) {
      const now = T0 + step * 10;
      const member = `m${next() % 700}`;
      latest.set(member, now);
      const [count] = await store.slide([{ key: 'long', windowMs, member }], now);
      const expected = [...latest.values()].filter((at) => at > now - windowMs).length;
      if (count !== expected) throw new Error(`step ${step}: counted ${count}, expected ${expected}`);
    }
    const [afterQuiet] = await store.slide([{ key: 'long', windowMs }], T0 + 49_990 + windowMs);
    expect(afterQuiet).toBe(0);
  });

  it('judges a decline ratio only above the minimum volume', async () => {
    const first = await score(paymentEvent({ kind: 'payment.failed', customer: { id: 'cus_once' } }), T0);
    expect(first.signals.find((s) => s.id === 'declineRatio.customer')).toBeUndefined();
    expect(first.lane).toBe('standard');
  });
});

describe('risk windows in memory', () => {
  it('forget a customer once its window has passed, so distinct customers do not grow the heap', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', join(__dirname, 'child-memory.js'), '300000']);
    // Heap after 100,000, 200,000 and 300,000 events of distinct customers, 5 s apart at most.
    const [first, , last] = stdout.trim().split(' ').map(Number);
    expect(last).toBeLessThan(first * 1.5);
  }, 60_000);
});
