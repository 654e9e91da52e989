import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { MemoryDeadLetterStore, RedisDeadLetterStore, type DeadLetterStore, type NewDeadLetter } from '../../../core/deadletter';
import type { PaymentEvent } from '../../../core/event';
import { paymentEvent } from '../risk/events';

const clients: Redis[] = [];
afterAll(() => Promise.all(clients.map((client) => client.quit())));

/** A clock the test moves by hand, so time filters and purges are exact. */
function clock(start = '2026-04-01T10:00:00.000Z') {
  let now = Date.parse(start);
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

const stores: Array<[string, (now: () => Date) => DeadLetterStore]> = [
  ['memory', (now) => new MemoryDeadLetterStore({ now })],
  [
    'redis',
    (now) => {
      const redis = new Redis(process.env.REDIS_URL!);
      clients.push(redis);
      return new RedisDeadLetterStore({ client: redis, keyPrefix: `test:dl:${randomUUID()}:`, now });
    },
  ],
];

function failure(event: PaymentEvent, overrides: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    idempotencyKey: event.idempotencyKey,
    provider: event.provider,
    kind: event.kind,
    event,
    origin: { workflowId: 'wf1', workflowName: 'Fulfil order', node: 'Create shipment', executionId: '41' },
    error: { message: 'The service refused the connection - perhaps it is offline', code: 'ECONNREFUSED' },
    ...overrides,
  };
}

describe.each(stores)('dead-letter store: %s', (_name, makeStore) => {
  let store: DeadLetterStore;
  let time: ReturnType<typeof clock>;
  beforeEach(() => {
    time = clock();
    store = makeStore(time.now);
  });

  it('adds an open record with the event, origin, error, one attempt and its times', async () => {
    const event = paymentEvent();
    const record = await store.add(failure(event));
    expect(record).toMatchObject({
      idempotencyKey: event.idempotencyKey,
      provider: 'stripe',
      kind: 'payment.succeeded',
      event,
      origin: { workflowId: 'wf1', node: 'Create shipment' },
      attempts: 1,
      firstFailedAt: '2026-04-01T10:00:00.000Z',
      lastFailedAt: '2026-04-01T10:00:00.000Z',
      status: 'open',
      history: [{ at: '2026-04-01T10:00:00.000Z', status: 'open' }],
    });
    expect(await store.get(record.id)).toEqual(record);
    expect(await store.get('no-such-id')).toBeNull();
  });

  it('folds a second failure of the same event at the same place into the open record', async () => {
    const event = paymentEvent();
    const first = await store.add(failure(event));
    time.advance(60_000);
    const second = await store.add(failure(event, { origin: { workflowId: 'wf1', node: 'Create shipment', executionId: '42' }, error: { message: 'HTTP 502' } }));
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({ attempts: 2, firstFailedAt: first.firstFailedAt, lastFailedAt: '2026-04-01T10:01:00.000Z', error: { message: 'HTTP 502' } });
    // Elsewhere in the workflow it is another dead letter, and so is a failure after a resolve.
    const elsewhere = await store.add(failure(event, { origin: { workflowId: 'wf1', node: 'Send receipt' } }));
    expect(elsewhere.id).not.toBe(first.id);
    await store.setStatus(first.id, 'resolved');
    expect((await store.add(failure(event))).id).not.toBe(first.id);
  });

  it('counts concurrent failures of one event as attempts of one record', async () => {
    const event = paymentEvent();
    const records = await Promise.all(Array.from({ length: 10 }, () => store.add(failure(event))));
    expect(new Set(records.map((r) => r.id)).size).toBe(1);
    expect((await store.get(records[0].id))!.attempts).toBe(10);
  });

  it('lists newest first with each filter', async () => {
    const paid = await store.add(failure(paymentEvent({ kind: 'invoice.paid', type: 'invoice.paid' }), { error: { message: 'Order service answered 503' } }));
    time.advance(60_000);
    const adyen = paymentEvent({ provider: 'adyen', id: 'psp_1', idempotencyKey: 'adyen:psp_1', kind: 'payment.failed', type: 'AUTHORISATION' });
    const failed = await store.add(failure(adyen, { error: { message: 'Timeout talking to CRM' } }));
    time.advance(60_000);
    const refunded = await store.add(failure(paymentEvent({ kind: 'payment.refunded', type: 'charge.refunded' })));
    await store.setStatus(refunded.id, 'discarded', 'test refund');
    const ids = (records: Array<{ id: string }>) => records.map((r) => r.id);

    expect(ids(await store.list())).toEqual([refunded.id, failed.id, paid.id]);
    expect(ids(await store.list({ status: 'open' }))).toEqual([failed.id, paid.id]);
    expect(ids(await store.list({ status: ['discarded', 'resolved'] }))).toEqual([refunded.id]);
    expect(ids(await store.list({ provider: 'adyen' }))).toEqual([failed.id]);
    expect(ids(await store.list({ kind: 'invoice.paid' }))).toEqual([paid.id]);
    expect(ids(await store.list({ errorContains: 'SERVICE ANSWERED' }))).toEqual([paid.id]);
    expect(ids(await store.list({ from: '2026-04-01T10:00:30.000Z' }))).toEqual([refunded.id, failed.id]);
    expect(ids(await store.list({ to: '2026-04-01T10:01:00.000Z' }))).toEqual([failed.id, paid.id]);
    expect(ids(await store.list({ from: '2026-04-01T10:00:30Z', to: '2026-04-01T10:01:30Z' }))).toEqual([failed.id]);
    expect(ids(await store.list({ limit: 2 }))).toEqual([refunded.id, failed.id]);
    expect(ids(await store.list({ status: 'open', limit: 1 }))).toEqual([failed.id]);
  });

  it('records each status change in the history', async () => {
    const record = await store.add(failure(paymentEvent()));
    time.advance(1_000);
    await store.setStatus(record.id, 'replayed', 'replayed to http://example.test');
    time.advance(1_000);
    const resolved = await store.setStatus(record.id, 'resolved');
    expect(resolved!.status).toBe('resolved');
    expect(resolved!.history).toEqual([
      { at: '2026-04-01T10:00:00.000Z', status: 'open' },
      { at: '2026-04-01T10:00:01.000Z', status: 'replayed', note: 'replayed to http://example.test' },
      { at: '2026-04-01T10:00:02.000Z', status: 'resolved' },
    ]);
    expect(await store.setStatus('no-such-id', 'resolved')).toBeNull();
  });

  it('purges records last failed before a date, and only those', async () => {
    const old = await store.add(failure(paymentEvent()));
    time.advance(24 * 3600_000);
    const recent = await store.add(failure(paymentEvent()));
    expect(await store.purge('2026-04-02T00:00:00Z')).toBe(1);
    expect(await store.get(old.id)).toBeNull();
    expect((await store.list()).map((r) => r.id)).toEqual([recent.id]);
    // The purged record's event failing again starts a new record.
    expect((await store.add(failure(old.event))).id).not.toBe(old.id);
    await expect(store.purge('yesterday')).rejects.toThrow('before must be an ISO 8601 date');
  });
});
