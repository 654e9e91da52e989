import { maskCardNumbers, redactCardNumbers } from '../../runtime/src/admin/redact';
import { AddressRateLimiter } from '../../runtime/src/ingress/rate-limit';

/** The two small guards the abuse run relies on, checked on their own with a pinned clock. */
describe('AddressRateLimiter', () => {
  it('allows the burst, then one request per refill interval, per address', () => {
    let now = 0;
    const limiter = new AddressRateLimiter({ perSecond: 10, burst: 3, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([0, 0, 0, 100]);
    expect(limiter.take('b')).toBe(0); // another address has its own bucket
    now += 100;
    expect([limiter.take('a'), limiter.take('a')]).toEqual([0, 100]);
    now += 10_000;
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([0, 0, 0, 100]); // refilled to the burst, not beyond
  });

  it('keeps at most maxAddresses buckets, dropping the least recently seen', () => {
    const limiter = new AddressRateLimiter({ perSecond: 1, burst: 1, maxAddresses: 2, now: () => 0 });
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('b')).toBe(0);
    expect(limiter.take('c')).toBe(0); // evicts a
    expect(limiter.take('b')).toBeGreaterThan(0);
    expect(limiter.take('a')).toBe(0); // a fresh bucket again
  });
});

describe('card number masking', () => {
  it('masks Luhn-valid 13-19 digit numbers, grouped or not, to their last four', () => {
    expect(maskCardNumbers('card 4242424242424242 ok')).toBe('card ************4242 ok');
    expect(maskCardNumbers('card 4000-0566-5566-5556')).toBe('card ************5556');
    expect(maskCardNumbers('amex 3782 822463 10005')).toBe('amex ***********0005');
  });

  it('leaves other numbers alone: Luhn-invalid, too short, timestamps, ids inside longer digit runs', () => {
    for (const text of ['4242424242424241', '424242424242', 'created 1764504000', 'ref 12345678901234567890123']) {
      expect(maskCardNumbers(text)).toBe(text);
    }
  });

  it('walks a record without changing anything but strings', () => {
    const record = { id: 'dl_1', attempts: 3, event: { raw: { description: 'pan 4242424242424242', amount: 4242424242424242 } } };
    expect(redactCardNumbers(record)).toEqual({ id: 'dl_1', attempts: 3, event: { raw: { description: 'pan ************4242', amount: 4242424242424242 } } });
    expect(record.event.raw.description).toBe('pan 4242424242424242');
  });
});
