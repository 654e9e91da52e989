import { readDeadLetterFilter } from '../../../core/deadletter';

describe('readDeadLetterFilter', () => {
  it('reads the admin query string, the CLI options and the node form alike', () => {
    expect(readDeadLetterFilter({ status: 'open,replayed', provider: 'stripe', limit: '20' })).toEqual({ status: ['open', 'replayed'], provider: 'stripe', limit: 20 });
    expect(readDeadLetterFilter({ status: ['open'], kind: 'payment.failed', errorContains: '', provider: undefined })).toEqual({ status: ['open'], kind: 'payment.failed' });
    expect(readDeadLetterFilter({})).toEqual({});
  });

  it('turns times into ISO 8601 instants, a time without a zone read as local time', () => {
    expect(readDeadLetterFilter({ from: '2026-12-01T10:00:00+01:00', to: '2026-12-02' })).toEqual({ from: '2026-12-01T09:00:00.000Z', to: '2026-12-02T00:00:00.000Z' });
    expect(readDeadLetterFilter({ from: '2026-12-01T10:00:00' }).from).toBe(new Date(2026, 11, 1, 10).toISOString());
  });

  it('names the field that is wrong', () => {
    expect(() => readDeadLetterFilter({ status: 'open,lost' })).toThrow(new RangeError('status must be one of open, replayed, resolved, discarded'));
    expect(() => readDeadLetterFilter({ to: 'yesterday' })).toThrow(new RangeError('to must be an ISO 8601 date'));
    expect(() => readDeadLetterFilter({ limit: '0' })).toThrow(new RangeError('limit must be a positive integer'));
  });
});
