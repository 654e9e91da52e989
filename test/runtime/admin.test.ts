import { join } from 'node:path';
import { AdminApiDeadLetterStore } from '../../core/deadletter/admin-api';
import type { Runtime } from '../../runtime/src/runtime';
import {
  ADMIN_TOKEN,
  postWebhook,
  startDestination,
  startRuntime,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from './support/harness';

/**
 * `/admin/dead-letters`, spoken to by core/deadletter's admin-API client store (what the
 * Dead Letter node uses), so the server and the client are held to one contract.
 */
jest.setTimeout(30_000);

const dir = tempDir();
let destination: Destination;
let runtime: Runtime;
let url: string;
let store: AdminApiDeadLetterStore;
let failing = true;

beforeAll(async () => {
  destination = await startDestination(() => (failing ? 400 : 200));
  ({ runtime, url } = await startRuntime({ storage: `sqlite:${join(dir.path, 'admin.db')}`, destinationUrl: destination.url }));
  store = new AdminApiDeadLetterStore({ baseUrl: url, token: ADMIN_TOKEN });
});
afterAll(async () => {
  await runtime.close();
  await destination.close();
  dir.remove();
});

async function deadLetteredEvent(): Promise<string> {
  const body = stripeEventBody();
  expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
  const key = `stripe:${JSON.parse(body).id}`;
  await waitFor(async () => (await store.list({ status: 'open' })).some((record) => record.idempotencyKey === key), 'the dead letter');
  return key;
}

it('refuses requests without the right bearer token', async () => {
  expect((await fetch(`${url}/admin/dead-letters`)).status).toBe(401);
  const wrong = await fetch(`${url}/admin/dead-letters`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
  expect(wrong.status).toBe(401);
  await expect(new AdminApiDeadLetterStore({ baseUrl: url, token: 'wrong-token-wrong-token' }).list()).rejects.toThrow(/401/);
});

it('lists, shows and filters dead letters, and names a bad filter', async () => {
  const key = await deadLetteredEvent();
  const [record] = (await store.list({ status: 'open', provider: 'stripe', kind: 'payment.succeeded' })).filter((r) => r.idempotencyKey === key);
  expect(record).toMatchObject({ origin: { destination: 'n8n' }, error: { httpStatus: 400 }, status: 'open' });
  expect(await store.get(record.id)).toEqual(record);
  expect(await store.get('no-such-id')).toBeNull();
  expect(await store.list({ provider: 'adyen' })).toEqual([]);
  const bad = await fetch(`${url}/admin/dead-letters?status=opened`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toEqual({ error: expect.stringContaining('status must be one of') });
  await store.setStatus(record.id, 'discarded', 'seen in the test');
});

it('replays one dead letter to its destination, once it is back', async () => {
  const key = await deadLetteredEvent();
  const [record] = (await store.list({ status: 'open' })).filter((r) => r.idempotencyKey === key);
  failing = false;
  const outcome = await store.replayer().replay(record.id);
  expect(outcome).toMatchObject({ ok: true, record: { status: 'replayed' } });
  await waitFor(() => destination.accepted().get(key) === 1, 'the replayed delivery');
  const again = await store.replayer().replay(record.id);
  expect(again).toMatchObject({ ok: false, httpStatus: 409 });
  failing = true;
});

it('counts a filtered replay first (dry run), then replays the set', async () => {
  const keys = [await deadLetteredEvent(), await deadLetteredEvent()];
  const replayer = store.replayer();
  const counted = await replayer.replayMatching({ provider: 'stripe' }, { dryRun: true });
  expect(counted).toMatchObject({ dryRun: true, matched: 2, outcomes: [] });
  expect((await store.list({ status: 'open' })).length).toBe(2);

  failing = false;
  const replayed = await replayer.replayMatching({ provider: 'stripe' }, { dryRun: false });
  expect(replayed.matched).toBe(2);
  expect(replayed.outcomes.every((outcome) => outcome.ok)).toBe(true);
  await waitFor(() => keys.every((key) => destination.accepted().get(key) === 1), 'both replayed deliveries');
  expect(await store.list({ status: 'open' })).toEqual([]);
});

it('records status changes and purges by date', async () => {
  const [record] = await store.list({ status: 'replayed', limit: 1 });
  const resolved = await store.setStatus(record.id, 'resolved', 'handled by hand');
  expect(resolved).toMatchObject({ status: 'resolved', history: expect.arrayContaining([expect.objectContaining({ status: 'resolved', note: 'handled by hand' })]) });
  const total = (await store.list()).length;
  expect(await store.purge('2000-01-01T00:00:00.000Z')).toBe(0);
  expect(await store.purge(new Date(Date.now() + 60_000).toISOString())).toBe(total);
  expect(await store.list()).toEqual([]);
});
