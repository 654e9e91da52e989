import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { DeadLetterRecord } from '../../core/deadletter/types';
import type { Runtime } from '../../runtime/src/runtime';
import type { RuntimeStorage } from '../../runtime/src/storage/types';
import {
  ADMIN_TOKEN,
  postWebhook,
  redisStorage,
  startDestination,
  startRuntime,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from './support/harness';

/**
 * A dead letter names the destination that refused it, never its URL: a destination URL with
 * userinfo and a query token shows in neither the admin API nor the dead-letter notification,
 * a record written before (with `origin.replayUrl`) is read without it, and replays resolve the
 * name. Real SQLite file, real Redis, loopback HTTP.
 */
jest.setTimeout(30_000);

const dir = tempDir();
afterAll(() => dir.remove());

const USER_PASSWORD = 'url-password-5f1c';
const QUERY_TOKEN = 'url-query-token-9a7e';
const SECRETS = [USER_PASSWORD, QUERY_TOKEN, '/webhook/payments'];

/** What a record written before this change held, put back into the store the way that version wrote it. */
type AddLegacyReplayUrl = (storage: string, record: DeadLetterRecord, replayUrl: string) => Promise<void>;

const addToSqliteRow: AddLegacyReplayUrl = async (storage, record, replayUrl) => {
  const db = new BetterSqlite3(storage.slice('sqlite:'.length));
  try {
    db.prepare(`UPDATE dead_letters SET record = json_set(record, '$.origin.replayUrl', ?) WHERE id = ?`).run(replayUrl, record.id);
  } finally {
    db.close();
  }
};

const addToRedisHash: AddLegacyReplayUrl = async (storage, record, replayUrl) => {
  const url = new URL(storage);
  const key = `${url.searchParams.get('prefix')}:dead-letters:rec:${record.id}`;
  url.searchParams.delete('prefix');
  const redis = new Redis(url.toString());
  try {
    const fixed = JSON.parse((await redis.hget(key, 'fixed')) ?? '{}') as Pick<DeadLetterRecord, 'origin'>;
    await redis.hset(key, 'fixed', JSON.stringify({ ...fixed, origin: { ...fixed.origin, replayUrl } }));
  } finally {
    redis.disconnect();
  }
};

const modes = [
  ['sqlite', () => `sqlite:${join(dir.path, `dead-letter-destination-${randomUUID()}.db`)}`, addToSqliteRow],
  ['redis', () => redisStorage(), addToRedisHash],
] as const;

describe.each(modes)('dead letters name the destination, not its URL (%s storage)', (_mode, makeStorage, addLegacyReplayUrl) => {
  let destination: Destination;
  let deadLetterHook: Destination;
  let runtime: Runtime;
  let url: string;
  let storage: string;
  let destinationUrl: string;
  let failing = true;

  beforeAll(async () => {
    destination = await startDestination(() => (failing ? 422 : 200));
    deadLetterHook = await startDestination();
    const plain = new URL(destination.url);
    destinationUrl = `http://n8n-user:${USER_PASSWORD}@${plain.host}${plain.pathname}?token=${QUERY_TOKEN}`;
    storage = makeStorage();
    ({ runtime, url } = await startRuntime({ storage, destinationUrl, deadLetterUrl: deadLetterHook.url }));
  });
  afterAll(async () => {
    await runtime.close();
    await destination.close();
    await deadLetterHook.close();
  });

  const admin = async (path: string, method = 'GET') => {
    const response = await fetch(`${url}/admin/dead-letters${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: response.status, text: await response.text() };
  };

  async function deadLettered(): Promise<DeadLetterRecord> {
    const body = stripeEventBody();
    expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
    const key = `stripe:${JSON.parse(body).id}`;
    const find = async () => (await (runtime['storage'] as RuntimeStorage).deadLetters.list()).find((record) => record.idempotencyKey === key);
    await waitFor(async () => (await find()) !== undefined, 'the dead letter');
    return (await find())!;
  }

  it('keeps the URL, its userinfo and its query token out of the admin API and the notification', async () => {
    const record = await deadLettered();
    // The delivery itself went to the configured URL, credentials and all.
    expect(destination.received.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from(`n8n-user:${USER_PASSWORD}`).toString('base64')}`);

    const listed = await admin('');
    const shown = await admin(`/${record.id}`);
    await waitFor(() => deadLetterHook.received.some((entry) => JSON.parse(entry.body).id === record.id), 'the dead-letter notification');
    const notified = deadLetterHook.received.find((entry) => JSON.parse(entry.body).id === record.id)!.body;
    for (const text of [listed.text, shown.text, notified]) {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }
    expect(JSON.parse(shown.text).origin).toEqual({ destination: 'n8n' });
    expect(JSON.parse(notified).origin).toEqual({ destination: 'n8n' });
  });

  it('reads a record written before without its URL, and replays it to the destination it names', async () => {
    const record = await deadLettered();
    await addLegacyReplayUrl(storage, record, destinationUrl);

    const listed = await admin('?status=open');
    const shown = await admin(`/${record.id}`);
    for (const text of [listed.text, shown.text]) {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }
    expect(JSON.parse(shown.text)).toMatchObject({ id: record.id, origin: { destination: 'n8n' } });

    failing = false;
    const replayed = await admin(`/${record.id}/replay`, 'POST');
    expect(replayed.status).toBe(200);
    expect(JSON.parse(replayed.text)).toMatchObject({ status: 'replayed', origin: { destination: 'n8n' } });
    for (const secret of SECRETS) expect(replayed.text).not.toContain(secret);
    await waitFor(
      () => destination.received.some((entry) => entry.status === 200 && JSON.parse(entry.body).idempotencyKey === record.idempotencyKey),
      'the replayed delivery',
    );
  });
});
