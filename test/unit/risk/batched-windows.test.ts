import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { PaymentEvent } from '../../../core/event';
import { DEFAULT_RISK_CONFIG, MemoryRiskWindowStore, RedisRiskWindowStore, scoreEvent, type RiskAssessment } from '../../../core/risk';
import { paymentEvent } from './events';

const T0 = Date.parse('2026-03-01T12:00:00Z');

/** A small deterministic generator, so a failure replays. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Few IPs, customers and cards, so windows fill, repeat within a turn, and empty again as time passes. */
function turnOfEvents(random: () => number, turn: number): PaymentEvent[] {
  const pick = (prefix: string, count: number) => `${prefix}${Math.floor(random() * count)}`;
  return Array.from({ length: 1 + Math.floor(random() * 12) }, (_, index) => {
    const declined = random() < 0.3;
    return paymentEvent({
      id: `evt_${turn}_${index}`,
      kind: declined ? 'payment.failed' : random() < 0.1 ? 'payment.refunded' : 'payment.succeeded',
      amount: { minor: random() < 0.4 ? 100 : 25_000, currency: 'USD' },
      customer: random() < 0.8 ? { id: pick('cus_', 6), email: `${pick('buyer', 4)}@example.com` } : undefined,
      risk: { ip: pick('198.51.100.', 5), cardFingerprint: random() < 0.7 ? pick('card_', 8) : undefined },
    });
  });
}

const values = (assessment: RiskAssessment) => Object.fromEntries(assessment.signals.map((signal) => [signal.id, signal.value]));

describe('risk windows batched into one Redis script per turn', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(process.env.REDIS_URL!);
  });
  afterAll(() => client.quit());

  it('gives each event of a turn the counts the in-memory store gives when the same events are scored one at a time', async () => {
    const batched = new RedisRiskWindowStore({ client, keyPrefix: `test:risk:${randomUUID()}:` });
    const oneAtATime = new MemoryRiskWindowStore();
    const config = { ...DEFAULT_RISK_CONFIG, amounts: { ...DEFAULT_RISK_CONFIG.amounts, small: { USD: 500 } } };
    const random = seeded(20);
    let compared = 0;
    // 30 minutes in 20-second turns: three times the 10-minute window, so members leave windows and keys are trimmed.
    for (let turn = 0; turn < 90; turn += 1) {
      const now = T0 + turn * 20_000;
      const events = turnOfEvents(random, turn);
      const together = await Promise.all(events.map((event) => scoreEvent(event, { store: batched, config, now })));
      for (const [index, event] of events.entries()) {
        const alone = await scoreEvent(event, { store: oneAtATime, config, now });
        expect({ event: event.id, ...values(together[index]) }).toEqual({ event: event.id, ...values(alone) });
        expect(together[index].lane).toBe(alone.lane);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(400);
  });

  it('answers a window marked as a subset without reading it only when its superset holds the current member alone', async () => {
    const store = new RedisRiskWindowStore({ client, keyPrefix: `test:risk:${randomUUID()}:` });
    const windowMs = 60_000;
    // A decline seen before: the subset window holds it, so a later attempt must read it.
    await store.slide([{ key: 'att:ip:a', windowMs, member: 'e1' }, { key: 'dec:ip:a', windowMs, member: 'e1', subsetOf: 0 }], T0);
    expect(await store.slide([{ key: 'att:ip:a', windowMs, member: 'e2' }, { key: 'dec:ip:a', windowMs, subsetOf: 0 }], T0 + 1_000)).toEqual([2, 1]);
    // A window later the earlier attempt has left: the attempts hold only e3, so the declines are answered as none.
    expect(await store.slide([{ key: 'att:ip:a', windowMs, member: 'e3' }, { key: 'dec:ip:a', windowMs, subsetOf: 0 }], T0 + 62_000)).toEqual([1, 0]);
  });
});
