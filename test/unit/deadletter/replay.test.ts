import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { HttpReplayer, RedisDeadLetterStore, type NewDeadLetter } from '../../../core/deadletter';
import { RedisIdempotencyStore } from '../../../core/idempotency';
import type { PaymentEvent } from '../../../core/event';
import { paymentEvent } from '../risk/events';
import { startReceiver } from './receiver';

const redis = new Redis(process.env.REDIS_URL!);
afterAll(() => redis.quit());

function failure(event: PaymentEvent, replayUrl?: string): NewDeadLetter {
  return {
    idempotencyKey: event.idempotencyKey,
    provider: event.provider,
    kind: event.kind,
    event,
    origin: { workflowId: 'wf-fulfil', node: 'Create shipment', ...(replayUrl ? { replayUrl } : {}) },
    error: { message: 'The service refused the connection - perhaps it is offline' },
  };
}

describe('replaying dead letters from a Redis store to a loopback webhook', () => {
  let store: RedisDeadLetterStore;
  let replayer: HttpReplayer;
  beforeEach(() => {
    store = new RedisDeadLetterStore({ client: redis, keyPrefix: `test:dl-replay:${randomUUID()}:` });
    replayer = new HttpReplayer({ store });
  });

  it('posts one record to its original URL with the idempotency key, signed with Standard Webhooks', async () => {
    const receiver = await startReceiver();
    try {
      const event = paymentEvent({ amount: { minor: 12_345, currency: 'EUR' } });
      const record = await store.add(failure(event, receiver.url('/webhook/payments')));
      const secret = `whsec_${randomBytes(24).toString('base64')}`;

      const outcome = await replayer.replay(record.id, { signingSecret: secret });

      expect(outcome).toMatchObject({ id: record.id, ok: true, httpStatus: 200, url: receiver.url('/webhook/payments') });
      expect(outcome.record!.status).toBe('replayed');
      expect((await store.get(record.id))!.history.at(-1)).toMatchObject({ status: 'replayed' });
      const [request] = receiver.received;
      expect(request).toMatchObject({ method: 'POST', path: '/webhook/payments' });
      expect(request.headers['webhook-id']).toBe(event.idempotencyKey);
      expect(request.headers['x-dead-letter-id']).toBe(record.id);
      expect(JSON.parse(request.body)).toEqual(event);
      // The official Standard Webhooks SDK accepts the signature (and throws on a bad one).
      const headers = request.headers as Record<string, string>;
      expect(new Webhook(secret).verify(request.body, headers)).toEqual(event);
      expect(() => new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(request.body, headers)).toThrow();
    } finally {
      await receiver.close();
    }
  });

  it('sends to a URL given instead, and reports a refusal without changing the record', async () => {
    const refusing = await startReceiver(() => 500);
    try {
      const record = await store.add(failure(paymentEvent(), 'http://127.0.0.1:1/never-used'));
      const outcome = await replayer.replay(record.id, { url: refusing.url('/other') });
      expect(outcome).toMatchObject({ ok: false, httpStatus: 500, error: 'The receiver answered HTTP 500' });
      expect(refusing.received).toHaveLength(1);
      expect((await store.get(record.id))!.status).toBe('open');
      expect(await replayer.replay(record.id)).toMatchObject({ ok: false, error: expect.stringContaining('Could not reach http://127.0.0.1:1') });
      expect(await replayer.replay('missing')).toMatchObject({ ok: false, error: 'No dead letter with id missing' });
      const noUrl = await store.add(failure(paymentEvent()));
      expect(await replayer.replay(noUrl.id)).toMatchObject({ ok: false, error: 'The record has no replay URL; give one' });
    } finally {
      await refusing.close();
    }
  });

  it('keeps no URL for a runtime destination\'s record, and points its replay at the runtime', async () => {
    const event = paymentEvent();
    const record = await store.add({ ...failure(event), origin: { destination: 'n8n', replayUrl: 'http://user:pw@127.0.0.1:1/webhook?token=t' } });
    expect(record.origin).toEqual({ destination: 'n8n' });
    expect((await store.get(record.id))!.origin).toEqual({ destination: 'n8n' });
    expect(await replayer.replay(record.id)).toMatchObject({ ok: false, error: expect.stringContaining(`payment-webhooks dead-letters replay ${record.id}`) });
  });

  it('replays a filtered set after a dry-run count, open records only', async () => {
    const receiver = await startReceiver();
    try {
      const url = receiver.url('/webhook/payments');
      const adyen = (id: string) => paymentEvent({ provider: 'adyen', id, idempotencyKey: `adyen:${id}`, type: 'AUTHORISATION', kind: 'payment.failed' });
      const first = await store.add(failure(adyen('psp_1'), url));
      const second = await store.add(failure(adyen('psp_2'), url));
      const resolved = await store.add(failure(adyen('psp_3'), url));
      await store.setStatus(resolved.id, 'resolved');
      await store.add(failure(paymentEvent(), url));

      const dryRun = await replayer.replayMatching({ provider: 'adyen' }, { dryRun: true });
      expect(dryRun).toEqual({ matched: 2, dryRun: true, outcomes: [] });
      expect(receiver.received).toHaveLength(0);

      const done = await replayer.replayMatching({ provider: 'adyen' });
      expect(done.matched).toBe(2);
      expect(done.outcomes.map((o) => [o.id, o.ok])).toEqual(expect.arrayContaining([[first.id, true], [second.id, true]]));
      expect(receiver.received.map((r) => r.headers['webhook-id']).sort()).toEqual(['adyen:psp_1', 'adyen:psp_2']);
      expect((await store.list({ status: 'open' })).map((r) => r.provider)).toEqual(['stripe']);
    } finally {
      await receiver.close();
    }
  });

  it('lands as a duplicate when the event did complete, and runs once when it did not', async () => {
    const idempotency = new RedisIdempotencyStore({ client: redis, keyPrefix: `test:dl-idem:${randomUUID()}:` });
    // The receiver is a workflow's front door: it claims the key it is sent, works, completes.
    const verdicts: string[] = [];
    const receiver = await startReceiver(async (request) => {
      const key = (JSON.parse(request.body) as PaymentEvent).idempotencyKey;
      if (request.headers['webhook-id'] !== key) return 400;
      const claim = await idempotency.claim(key, { leaseMs: 60_000 });
      verdicts.push(`${key} ${claim.status}`);
      if (claim.status === 'new') await idempotency.complete(key, claim.token, { shipped: true });
      return 200;
    });
    try {
      const url = receiver.url('/webhook/payments');
      // This event's workflow completed, but the delivery was dead-lettered anyway (say n8n's answer timed out).
      const completed = paymentEvent();
      const claim = await idempotency.claim(completed.idempotencyKey, { leaseMs: 60_000 });
      if (claim.status !== 'new') throw new Error('expected a fresh claim');
      await idempotency.complete(completed.idempotencyKey, claim.token, { shipped: true });
      const notCompleted = paymentEvent();

      await store.add(failure(completed, url));
      await store.add(failure(notCompleted, url));
      const result = await replayer.replayMatching({});
      expect(result.outcomes.every((o) => o.ok)).toBe(true);
      expect(verdicts.sort()).toEqual([`${completed.idempotencyKey} duplicate`, `${notCompleted.idempotencyKey} new`].sort());
    } finally {
      await receiver.close();
    }
  });
});
