import { MemoryIdempotencyStore } from '../../../core/idempotency';
import { idempotencyContract } from './contract';

// One process, one map: every "connection" is the same store.
idempotencyContract('memory', async () => {
  const store = new MemoryIdempotencyStore();
  return { open: async () => store };
});

describe('MemoryIdempotencyStore with an injected clock', () => {
  it('expires leases and retention by the clock it is given, without waiting', async () => {
    let now = 1_000_000;
    const store = new MemoryIdempotencyStore({ now: () => now });
    const claim = await store.claim('k', { leaseMs: 1_000 });
    expect(claim).toEqual({ status: 'new', token: expect.any(String), leaseExpiresAt: 1_001_000 });

    now += 999;
    expect(await store.claim('k', { leaseMs: 1_000 })).toEqual({ status: 'in_progress', leaseExpiresAt: 1_001_000 });
    now += 1;
    const second = await store.claim('k', { leaseMs: 1_000 });
    expect(second.status).toBe('new');
    if (second.status !== 'new') return;

    expect(await store.complete('k', second.token, { ok: true }, { retentionMs: 5_000 })).toBe(true);
    now += 4_999;
    expect(await store.get('k')).toEqual({ key: 'k', state: 'completed', result: { ok: true }, completedAt: 1_001_000, expiresAt: 1_006_000 });
    now += 1;
    expect(await store.get('k')).toBeNull();
  });
});
