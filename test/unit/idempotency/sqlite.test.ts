import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

import { SqliteIdempotencyStore } from '../../../core/idempotency';
import { idempotencyContract } from './contract';

// A real file; every open() is a separate connection to it, as separate processes would be.
idempotencyContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-idempotency-'));
  const file = join(dir, 'payment-webhooks.db');
  const databases: Database.Database[] = [];
  return {
    open: async () => {
      const database = new Database(file);
      database.pragma('journal_mode = WAL');
      databases.push(database);
      return new SqliteIdempotencyStore({ database });
    },
    teardown: async () => {
      for (const database of databases) database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteIdempotencyStore on a shared database file', () => {
  let dir: string;
  let database: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-idempotency-'));
    database = new Database(join(dir, 'shared.db'));
  });

  afterEach(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates its table only when missing and leaves the database open on close', async () => {
    database.exec('CREATE TABLE queue (id INTEGER PRIMARY KEY)');
    const first = new SqliteIdempotencyStore({ database });
    const claim = await first.claim('k', { leaseMs: 60_000 });
    await first.close();
    expect(database.open).toBe(true);

    const second = new SqliteIdempotencyStore({ database });
    expect(await second.claim('k', { leaseMs: 60_000 })).toMatchObject({ status: 'in_progress' });
    expect(claim.status).toBe('new');
    const tables = database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    expect(tables).toEqual([{ name: 'idempotency_keys' }, { name: 'queue' }]);
  });

  it('purges expired claims and records past retention, and only those', async () => {
    let now = 5_000_000;
    const store = new SqliteIdempotencyStore({ database, now: () => now });
    const done = await store.claim('done', { leaseMs: 1_000 });
    if (done.status !== 'new') throw new Error('expected a new claim');
    await store.complete('done', done.token, 'r', { retentionMs: 10_000 });
    await store.claim('abandoned', { leaseMs: 1_000 });
    await store.claim('running', { leaseMs: 60_000 });

    now += 10_000;
    expect(await store.purgeExpired()).toBe(2);
    expect(await store.get('running')).toMatchObject({ state: 'claimed' });
    expect(database.prepare('SELECT COUNT(*) AS n FROM idempotency_keys').get()).toEqual({ n: 1 });
  });
});
