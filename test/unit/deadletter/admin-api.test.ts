import { AdminApiDeadLetterStore, AdminApiError, MemoryDeadLetterStore, type NewDeadLetter } from '../../../core/deadletter';
import type { PaymentEvent } from '../../../core/event';
import { paymentEvent } from '../risk/events';
import { startAdminServer } from './admin-server';
import { startReceiver } from './receiver';
import { startRedirectServer } from '../../support/redirect-server';

function failure(event: PaymentEvent, message = 'delivery failed: HTTP 503'): NewDeadLetter {
  return {
    idempotencyKey: event.idempotencyKey,
    provider: event.provider,
    kind: event.kind,
    event,
    origin: { destination: 'n8n' },
    error: { message, httpStatus: 503 },
  };
}

describe('the dead-letter store behind the runtime admin API', () => {
  const token = 'admin-token-for-tests';
  let backing: MemoryDeadLetterStore;
  let server: Awaited<ReturnType<typeof startAdminServer>>;
  let destination: Awaited<ReturnType<typeof startReceiver>>;
  let store: AdminApiDeadLetterStore;

  beforeEach(async () => {
    let now = Date.parse('2026-05-01T08:00:00Z');
    backing = new MemoryDeadLetterStore({ now: () => new Date((now += 1_000)) });
    destination = await startReceiver();
    server = await startAdminServer({ store: backing, token, destinationUrl: destination.url('/webhook/payments') });
    store = new AdminApiDeadLetterStore({ baseUrl: server.baseUrl + '/', token });
  });
  afterEach(async () => {
    await server.close();
    await destination.close();
  });

  it('refuses a redirect instead of sending the admin token where it points, and names that origin', async () => {
    const elsewhere = await startReceiver();
    const redirecting = await startRedirectServer(elsewhere.url('/admin/dead-letters'));
    try {
      const misdirected = new AdminApiDeadLetterStore({ baseUrl: redirecting.origin, token });
      await expect(misdirected.list()).rejects.toThrow(new RegExp(`redirect to ${new URL(elsewhere.url()).origin}; refused`));
      await expect(misdirected.list()).rejects.toBeInstanceOf(AdminApiError);
      expect(redirecting.received[0].authorization).toBe(`Bearer ${token}`);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
  });

  it('adds, gets, lists with filters, changes status and purges through the API', async () => {
    const stripe = await store.add(failure(paymentEvent()));
    const adyenEvent = paymentEvent({ provider: 'adyen', id: 'psp_9', idempotencyKey: 'adyen:psp_9', kind: 'payment.failed', type: 'AUTHORISATION' });
    const adyen = await store.add(failure(adyenEvent, 'delivery failed: timeout'));
    expect(await store.get(stripe.id)).toEqual(await backing.get(stripe.id));
    expect(await store.get('missing')).toBeNull();

    expect((await store.list()).map((r) => r.id)).toEqual([adyen.id, stripe.id]);
    expect((await store.list({ provider: 'adyen' })).map((r) => r.id)).toEqual([adyen.id]);
    expect((await store.list({ kind: 'payment.succeeded' })).map((r) => r.id)).toEqual([stripe.id]);
    expect((await store.list({ errorContains: 'timeout' })).map((r) => r.id)).toEqual([adyen.id]);
    expect((await store.list({ from: adyen.lastFailedAt })).map((r) => r.id)).toEqual([adyen.id]);
    expect((await store.list({ to: stripe.lastFailedAt, limit: 5 })).map((r) => r.id)).toEqual([stripe.id]);

    const resolved = await store.setStatus(stripe.id, 'resolved', 'refunded by hand');
    expect(resolved!.history.at(-1)).toMatchObject({ status: 'resolved', note: 'refunded by hand' });
    expect(await store.setStatus('missing', 'discarded')).toBeNull();
    expect((await store.list({ status: ['resolved', 'discarded'] })).map((r) => r.id)).toEqual([stripe.id]);

    expect(await store.purge(adyen.lastFailedAt)).toBe(1);
    expect((await backing.list()).map((r) => r.id)).toEqual([adyen.id]);
    expect(server.requests).toContain(`DELETE /admin/dead-letters?before=${encodeURIComponent(adyen.lastFailedAt)}`);
    expect(server.requests).toContain('GET /admin/dead-letters?status=resolved%2Cdiscarded');
  });

  it('asks the runtime to replay one record, or a filtered set after a dry run', async () => {
    const replayer = store.replayer();
    const one = await store.add(failure(paymentEvent()));
    const outcome = await replayer.replay(one.id);
    expect(outcome).toMatchObject({ id: one.id, ok: true, url: 'runtime destination n8n', record: { status: 'replayed' } });
    expect(destination.received.map((r) => r.headers['webhook-id'])).toEqual([one.idempotencyKey]);
    expect(await replayer.replay(one.id)).toMatchObject({ ok: false, httpStatus: 409, error: expect.stringContaining('not open') });

    const others = [await store.add(failure(paymentEvent())), await store.add(failure(paymentEvent()))];
    expect(await replayer.replayMatching({ provider: 'stripe' }, { dryRun: true })).toEqual({ matched: 2, dryRun: true, outcomes: [] });
    expect(destination.received).toHaveLength(1);
    const batch = await replayer.replayMatching({ provider: 'stripe' });
    expect(batch.matched).toBe(2);
    expect(batch.outcomes.map((o) => o.id).sort()).toEqual(others.map((r) => r.id).sort());
    expect(destination.received).toHaveLength(3);
  });

  it('sends to a URL given straight from here, and records the replay through the API', async () => {
    const elsewhere = await startReceiver();
    try {
      const record = await store.add(failure(paymentEvent()));
      const outcome = await store.replayer().replay(record.id, { url: elsewhere.url('/webhook/test') });
      expect(outcome).toMatchObject({ ok: true, httpStatus: 200, record: { status: 'replayed' } });
      expect(elsewhere.received).toHaveLength(1);
      expect(destination.received).toHaveLength(0);
      expect((await backing.get(record.id))!.status).toBe('replayed');
    } finally {
      await elsewhere.close();
    }
  });

  it('says when the token is wrong', async () => {
    const wrong = new AdminApiDeadLetterStore({ baseUrl: server.baseUrl, token: 'not-the-token' });
    await expect(wrong.list()).rejects.toThrow(AdminApiError);
    await expect(wrong.list()).rejects.toThrow("The runtime's admin API answered HTTP 401: unauthorized (check the admin token)");
  });
});
