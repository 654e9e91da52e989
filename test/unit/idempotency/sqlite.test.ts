import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';

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

describe('SqliteIdempotencyStore.recordCompletedSync', () => {
  let dir: string;
  let database: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-idempotency-'));
    database = new Database(join(dir, 'record.db'));
  });

  afterEach(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records a new key completed, then reports it a duplicate with its result', async () => {
    let now = 1_000_000;
    const store = new SqliteIdempotencyStore({ database, now: () => now });
    expect(store.recordCompletedSync('k', { storedAt: 'x' }, { retentionMs: 5_000 })).toBe('recorded');
    expect(await store.get('k')).toEqual({ key: 'k', state: 'completed', result: { storedAt: 'x' }, completedAt: now, expiresAt: now + 5_000 });
    expect(store.recordCompletedSync('k', 'other')).toBe('duplicate');
    expect(await store.claim('k', { leaseMs: 1_000 })).toMatchObject({ status: 'duplicate', result: { storedAt: 'x' } });

    now += 5_000; // past retention: the key counts as absent again
    expect(store.recordCompletedSync('k', 'again')).toBe('recorded');
    expect(await store.get('k')).toMatchObject({ state: 'completed', result: 'again' });
  });

  it('leaves a live claim to its holder, and takes a key whose claim expired', async () => {
    let now = 1_000_000;
    const store = new SqliteIdempotencyStore({ database, now: () => now });
    const claim = await store.claim('k', { leaseMs: 1_000 });
    if (claim.status !== 'new') throw new Error('expected a new claim');
    expect(store.recordCompletedSync('k', 'mine')).toBe('in_progress');
    expect(await store.get('k')).toMatchObject({ state: 'claimed' });

    now += 1_000;
    expect(store.recordCompletedSync('k', 'mine')).toBe('recorded');
    expect(await store.complete('k', claim.token, 'late')).toBe(false);
    expect(await store.get('k')).toMatchObject({ state: 'completed', result: 'mine' });
  });

  it('is undone with the caller\'s transaction', () => {
    const store = new SqliteIdempotencyStore({ database });
    expect(() =>
      database.transaction(() => {
        store.recordCompletedSync('k', 'r');
        throw new Error('the guarded work failed');
      })(),
    ).toThrow('the guarded work failed');
    expect(store.recordCompletedSync('k', 'r')).toBe('recorded');
  });
});

describe('SqliteIdempotencyStore across threads', () => {
  // better-sqlite3 is synchronous, so claims from one thread never interleave. Real
  // concurrency needs several threads, each with its own connection to the file.
  const WORKER = `
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.betterSqlite3);
    const { SqliteIdempotencyStore } = require(workerData.storeModule);
    const database = new Database(workerData.file, { timeout: 10000 });
    const store = new SqliteIdempotencyStore({ database });
    const start = new Int32Array(workerData.start);
    Atomics.wait(start, 0, 0);
    (async () => {
      const statuses = [];
      for (let i = 0; i < workerData.claims; i++) statuses.push((await store.claim(workerData.key, { leaseMs: 60000 })).status);
      database.close();
      parentPort.postMessage(statuses);
    })();
  `;

  it('gives exactly one "new" to 200 claims of one key from 4 threads at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-idempotency-threads-'));
    try {
      // The workers load the store as plain JavaScript, transpiled from the same source.
      for (const name of ['sqlite', 'types']) {
        const source = readFileSync(join(__dirname, '../../../core/idempotency', `${name}.ts`), 'utf8');
        const { outputText } = transpileModule(source, { compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022 } });
        writeFileSync(join(dir, `${name}.js`), outputText);
      }
      const file = join(dir, 'shared.db');
      const setup = new Database(file);
      setup.pragma('journal_mode = WAL');
      new SqliteIdempotencyStore({ database: setup });
      setup.close();

      const start = new SharedArrayBuffer(4);
      const workerData = {
        betterSqlite3: require.resolve('better-sqlite3'),
        storeModule: join(dir, 'sqlite.js'),
        file,
        key: 'stripe:evt_threads',
        claims: 50,
        start,
      };
      const workers = Array.from({ length: 4 }, () => new Worker(WORKER, { eval: true, workerData }));
      const results = workers.map(
        (worker) =>
          new Promise<string[]>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      Atomics.store(new Int32Array(start), 0, 1);
      Atomics.notify(new Int32Array(start), 0);
      const statuses = (await Promise.all(results)).flat();

      expect(statuses).toHaveLength(200);
      expect(statuses.filter((status) => status === 'new')).toHaveLength(1);
      expect(statuses.filter((status) => status === 'in_progress')).toHaveLength(199);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
