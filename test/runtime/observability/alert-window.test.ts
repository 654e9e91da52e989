import pino from 'pino';
import { Alerter } from '../../../runtime/src/alerts/alerter';
import { ALERT_DEFAULTS } from '../../../runtime/src/alerts/config';
import { BucketedWindowCounter } from '../../../runtime/src/alerts/window-counter';
import { startDestination } from '../support/harness';

/**
 * The refused-burst window is counted in ten fixed buckets: a refusal costs the same however
 * many came before it, and what a source keeps does not grow with them.
 */
describe('the bucketed window counter', () => {
  const start = Date.parse('2026-12-01T10:00:00.000Z');

  it('counts what fell in the last window and forgets what slid out', () => {
    const counter = new BucketedWindowCounter(60_000);
    expect(counter.add('stripe', start)).toBe(1);
    expect(counter.add('stripe', start + 30_000)).toBe(2);
    expect(counter.add('adyen', start + 30_000)).toBe(1);
    // Buckets are 6 s: at +59 s the first refusal's bucket is still in the window...
    expect(counter.add('stripe', start + 59_000)).toBe(3);
    // ...at +60 s it has slid out, the one at +30 s has not.
    expect(counter.add('stripe', start + 60_000)).toBe(3);
    expect(counter.add('stripe', start + 89_999)).toBe(4);
    expect(counter.add('stripe', start + 90_000)).toBe(4);
    // After a quiet spell longer than the window, only the new refusal counts.
    expect(counter.add('stripe', start + 10 * 60_000)).toBe(1);
  });

  it('counts into the newest bucket when the clock steps back', () => {
    const counter = new BucketedWindowCounter(60_000);
    counter.add('stripe', start + 120_000);
    expect(counter.add('stripe', start)).toBe(2);
    expect(counter.add('stripe', start + 179_999)).toBe(3);
    // The two counted at +120 s slide out together.
    expect(counter.add('stripe', start + 180_000)).toBe(2);
  });

  it('takes a million refusals in constant time each and keeps ten numbers per source', () => {
    const counter = new BucketedWindowCounter(60_000);
    const timed = (at: number, count: number) => {
      const started = process.hrtime.bigint();
      let last = 0;
      for (let index = 0; index < count; index++) last = counter.add('stripe', at);
      return { ns: Number(process.hrtime.bigint() - started) / count, last };
    };
    // Within one bucket every refusal stays in the window: the count grows, the work does not.
    const early = timed(start, 5_000);
    const late = timed(start + 1, 1_000_000);
    expect(late.last).toBe(1_005_000);
    expect(late.ns).toBeLessThan(Math.max(early.ns * 20, 2_000));
    const windows = (counter as unknown as { windows: Map<string, { counts: number[] }> }).windows;
    expect(windows.get('stripe')!.counts).toHaveLength(10);
  });
});

it('the alerter fires a refused burst once, with the count, under a flood of refusals', async () => {
  const receiver = await startDestination();
  let now = Date.parse('2026-12-01T10:00:00.000Z');
  const alerter = new Alerter({
    config: { ...ALERT_DEFAULTS, url: receiver.url, refusedBurst: { count: 20, windowMs: 60_000 } },
    logger: pino({ level: 'silent' }),
    openDeadLetters: async () => 0,
    now: () => now,
  });
  try {
    for (let index = 0; index < 100_000; index++) {
      alerter.refused('stripe', 'signature_mismatch');
      now += 1;
    }
    await alerter.settle();
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0].body).alert.details).toEqual({ refused: 20, windowSeconds: 60, reason: 'signature_mismatch' });
  } finally {
    await receiver.close();
  }
});
