import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { IdempotencyStore } from '../../../core/idempotency';

export interface ContractSubject {
  /**
   * Opens a store over the shared backing storage. Stores whose backing is external
   * (Redis, a SQLite file) return a separate connection each time, so the concurrency
   * test races several clients, not one.
   */
  open(): Promise<IdempotencyStore>;
  /** Removes what the subject created, after every store has been closed. */
  teardown?(): Promise<void>;
}

const CONNECTIONS = 4;
const LEASE_MS = 60_000;

/** The one contract every IdempotencyStore must meet; each implementation's test file runs it. */
export function idempotencyContract(name: string, makeSubject: () => Promise<ContractSubject>): void {
  describe(`${name} idempotency store contract`, () => {
    let subject: ContractSubject;
    let stores: IdempotencyStore[];
    let store: IdempotencyStore;
    const newKey = () => `stripe:evt_${randomUUID()}`;

    beforeAll(async () => {
      subject = await makeSubject();
      stores = [];
      for (let i = 0; i < CONNECTIONS; i++) stores.push(await subject.open());
      store = stores[0];
    });

    afterAll(async () => {
      for (const each of stores) await each.close();
      await subject.teardown?.();
    });

    it('gives exactly one "new" to 200 concurrent claims of one key, spread over several connections', async () => {
      const key = newKey();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => stores[i % stores.length].claim(key, { leaseMs: LEASE_MS })),
      );
      const winners = results.filter((result) => result.status === 'new');
      expect(winners).toHaveLength(1);
      expect(results.filter((result) => result.status === 'in_progress')).toHaveLength(199);
    });

    it('answers "in_progress" while the lease runs and lets the key be claimed again once it expires', async () => {
      const key = newKey();
      const first = await store.claim(key, { leaseMs: 40 });
      expect(first.status).toBe('new');
      expect(await stores[1].claim(key, { leaseMs: 40 })).toMatchObject({ status: 'in_progress' });

      await sleep(90);
      const second = await stores[1].claim(key, { leaseMs: LEASE_MS });
      expect(second.status).toBe('new');
      if (first.status !== 'new' || second.status !== 'new') return;
      expect(second.token).not.toBe(first.token);
      // The crashed first holder cannot complete over the new holder.
      expect(await store.complete(key, first.token, { done: true })).toBe(false);
      expect(await stores[1].complete(key, second.token, { done: true })).toBe(true);
    });

    it('refuses complete and release by anyone but the holder', async () => {
      const key = newKey();
      const claim = await store.claim(key, { leaseMs: LEASE_MS });
      if (claim.status !== 'new') throw new Error(`expected a new claim, got ${claim.status}`);
      const stranger = randomUUID();

      expect(await stores[1].complete(key, stranger, { stolen: true })).toBe(false);
      expect(await stores[1].release(key, stranger)).toBe(false);
      expect(await store.get(key)).toMatchObject({ key, state: 'claimed' });

      expect(await store.complete(key, claim.token, { ok: 1 })).toBe(true);
      // Once completed, even the former holder can no longer complete or release it.
      expect(await store.complete(key, claim.token, { ok: 2 })).toBe(false);
      expect(await store.release(key, claim.token)).toBe(false);
      expect(await store.get(key)).toMatchObject({ state: 'completed', result: { ok: 1 } });
    });

    it('answers a claim of a completed key with "duplicate" and the stored result', async () => {
      const key = newKey();
      const result = { orderId: 'ord_1042', amount: { minor: 1999, currency: 'EUR' }, note: 'shipped' };
      const claim = await store.claim(key, { leaseMs: LEASE_MS });
      if (claim.status !== 'new') throw new Error(`expected a new claim, got ${claim.status}`);
      const before = Date.now();
      expect(await store.complete(key, claim.token, result)).toBe(true);

      const again = await stores[2].claim(key, { leaseMs: LEASE_MS });
      expect(again).toEqual({ status: 'duplicate', result, completedAt: expect.any(Number) });
      if (again.status === 'duplicate') expect(again.completedAt).toBeGreaterThanOrEqual(before - 1000);
    });

    it('forgets a completed key after its retention period', async () => {
      const key = newKey();
      const claim = await store.claim(key, { leaseMs: LEASE_MS });
      if (claim.status !== 'new') throw new Error(`expected a new claim, got ${claim.status}`);
      expect(await store.complete(key, claim.token, 'kept briefly', { retentionMs: 60 })).toBe(true);
      expect(await stores[1].claim(key, { leaseMs: LEASE_MS })).toMatchObject({ status: 'duplicate', result: 'kept briefly' });

      await sleep(120);
      expect(await store.get(key)).toBeNull();
      expect(await stores[1].claim(key, { leaseMs: LEASE_MS })).toMatchObject({ status: 'new' });
    });

    it('makes a released key claimable at once', async () => {
      const key = newKey();
      const claim = await store.claim(key, { leaseMs: LEASE_MS });
      if (claim.status !== 'new') throw new Error(`expected a new claim, got ${claim.status}`);
      expect(await store.release(key, claim.token)).toBe(true);
      expect(await store.get(key)).toBeNull();
      expect(await stores[3].claim(key, { leaseMs: LEASE_MS })).toMatchObject({ status: 'new' });
      expect(await store.release(key, claim.token)).toBe(false);
    });

    it('reports a key as unknown, claimed with its lease end, or completed with its retention end', async () => {
      const key = newKey();
      expect(await store.get(key)).toBeNull();
      const claim = await store.claim(key, { leaseMs: LEASE_MS });
      if (claim.status !== 'new') throw new Error(`expected a new claim, got ${claim.status}`);
      const claimed = await stores[1].get(key);
      expect(claimed).toMatchObject({ key, state: 'claimed' });
      if (claimed?.state === 'claimed') expect(claimed.leaseExpiresAt).toBeGreaterThan(Date.now() + LEASE_MS / 2);

      await store.complete(key, claim.token, undefined, { retentionMs: 3_600_000 });
      const completed = await stores[1].get(key);
      expect(completed).toMatchObject({ key, state: 'completed', result: null });
      if (completed?.state === 'completed') {
        expect(completed.expiresAt - completed.completedAt).toBe(3_600_000);
      }
    });
  });
}
