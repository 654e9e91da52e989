import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Runtime } from '../../runtime/src/runtime';
import { postWebhook, startDestination, startRuntime, stripeEventBody, stripeSigned, tempDir, waitFor, type Destination } from './support/harness';

/**
 * Embedded mode when the SQLite file cannot be written (another connection holds its write
 * lock): ingress answers 503, never 200, and the gateway's retry is accepted once it can.
 */
jest.setTimeout(30_000);

const dir = tempDir();
const file = join(dir.path, 'locked.db');
let destination: Destination;
let runtime: Runtime;
let url: string;

beforeAll(async () => {
  destination = await startDestination();
  ({ runtime, url } = await startRuntime({ storage: `sqlite:${file}`, destinationUrl: destination.url, limits: { storeTimeoutMs: 300 } }));
});
afterAll(async () => {
  await runtime.close();
  await destination.close();
  dir.remove();
});

it('answers 503 while the file is locked, and accepts the retry afterwards', async () => {
  const body = stripeEventBody();
  const key = `stripe:${JSON.parse(body).id}`;
  const holder = new BetterSqlite3(file);
  holder.exec('BEGIN IMMEDIATE');
  try {
    expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(503);
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
  expect(await runtime['storage']!.backlog()).toBe(0);

  expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
  await waitFor(() => destination.accepted().get(key) === 1, 'the delivery');
});
