import { randomUUID } from 'node:crypto';

import {
  DEFAULT_RETENTION_MS,
  type ClaimOptions,
  type ClaimResult,
  type CompleteOptions,
  type IdempotencyRecord,
  type IdempotencyStore,
} from './types';

export interface MemoryIdempotencyStoreOptions {
  /** Milliseconds since the epoch; injectable so tests can move time without waiting. */
  now?: () => number;
}

type Entry =
  | { state: 'claimed'; token: string; leaseExpiresAt: number }
  | { state: 'completed'; result: unknown; completedAt: number; expiresAt: number };

/**
 * Keeps records in this process only: for tests and single-process demos. Nothing
 * survives a restart and nothing is shared between processes.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    const now = this.now();
    const entry = this.live(key, now);
    if (entry?.state === 'completed') {
      return { status: 'duplicate', result: entry.result, completedAt: entry.completedAt };
    }
    if (entry?.state === 'claimed') return { status: 'in_progress', leaseExpiresAt: entry.leaseExpiresAt };
    const claimed = { state: 'claimed' as const, token: randomUUID(), leaseExpiresAt: now + options.leaseMs };
    this.entries.set(key, claimed);
    return { status: 'new', token: claimed.token, leaseExpiresAt: claimed.leaseExpiresAt };
  }

  async complete(key: string, token: string, result: unknown, options: CompleteOptions = {}): Promise<boolean> {
    const now = this.now();
    if (!this.holds(key, token, now)) return false;
    const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.entries.set(key, { state: 'completed', result: result ?? null, completedAt: now, expiresAt: now + retentionMs });
    return true;
  }

  async release(key: string, token: string): Promise<boolean> {
    if (!this.holds(key, token, this.now())) return false;
    this.entries.delete(key);
    return true;
  }

  async get(key: string): Promise<IdempotencyRecord | null> {
    const entry = this.live(key, this.now());
    if (!entry) return null;
    if (entry.state === 'claimed') return { key, state: 'claimed', leaseExpiresAt: entry.leaseExpiresAt };
    return { key, state: 'completed', result: entry.result, completedAt: entry.completedAt, expiresAt: entry.expiresAt };
  }

  async close(): Promise<void> {
    // Nothing to release: the records live and die with this object.
  }

  /** The entry unless its lease or retention has run out (then it is forgotten). */
  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const endsAt = entry.state === 'claimed' ? entry.leaseExpiresAt : entry.expiresAt;
    if (endsAt > now) return entry;
    this.entries.delete(key);
    return undefined;
  }

  private holds(key: string, token: string, now: number): boolean {
    const entry = this.live(key, now);
    return entry?.state === 'claimed' && entry.token === token;
  }
}
