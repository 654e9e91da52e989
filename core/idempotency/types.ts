/**
 * The idempotency contract: a key moves from `claimed` (with a lease) to `completed`
 * (with a small result, kept for a retention period). Implementations: Redis, SQLite,
 * in-memory; one contract test suite runs against all three.
 */

export type ClaimResult =
  /** The caller holds the key until the lease ends; `token` proves it to complete/release. */
  | { status: 'new'; token: string; leaseExpiresAt: number }
  /** Already completed: the stored result is returned instead of running again. */
  | { status: 'duplicate'; result: unknown; completedAt: number }
  /** Another holder's lease is still running. */
  | { status: 'in_progress'; leaseExpiresAt: number };

export type IdempotencyRecord =
  | { key: string; state: 'claimed'; leaseExpiresAt: number }
  | { key: string; state: 'completed'; result: unknown; completedAt: number; expiresAt: number };

export interface ClaimOptions {
  /** How long the claim holds before another caller may take it (a crashed holder's claim expires). */
  leaseMs: number;
}

export interface CompleteOptions {
  /** How long the completed record is kept; 30 days by default. */
  retentionMs?: number;
}

export const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
export const DEFAULT_LEASE_MS = 5 * 60 * 1000;

export interface IdempotencyStore {
  claim(key: string, options: ClaimOptions): Promise<ClaimResult>;
  /** Only the holder of the claim (its token) may complete; false otherwise. */
  complete(key: string, token: string, result: unknown, options?: CompleteOptions): Promise<boolean>;
  /** Only the holder may release; the key becomes claimable at once. */
  release(key: string, token: string): Promise<boolean>;
  get(key: string): Promise<IdempotencyRecord | null>;
  close(): Promise<void>;
}
