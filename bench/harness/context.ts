import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { STRIPE_SECRET } from './events';
import { REPO } from './processes';

/** What every stage gets from the orchestrator. */
export interface BenchContext {
  /** bench/out: each stage's JSON result (gitignored). */
  outDir: string;
  /** Scratch space for databases, configs and logs (inside outDir, on the same disk as a user's data). */
  workDir: string;
  /** How to start the runtime: node arguments before `start`. */
  runtimeEntry: string[];
}

export const OUT_DIR = join(REPO, 'bench', 'out');

export function createContext(runtimeEntry: string[]): BenchContext {
  const workDir = join(OUT_DIR, 'work');
  mkdirSync(workDir, { recursive: true });
  return { outDir: OUT_DIR, workDir, runtimeEntry };
}

export function writeResult(name: string, result: unknown): void {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, `${name}.json`), JSON.stringify(result, null, 2));
}

export function readResult<T>(name: string): T | undefined {
  const file = join(OUT_DIR, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** A Standard Webhooks secret for the runtime's deliveries (a documentation example, not a credential). */
export const DELIVERY_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const DESTINATION = 'bench';

/**
 * The runtime's configuration for a benchmark: one Stripe source, one destination. The
 * per-address rate limit is lifted: all the load comes from one loopback address, where a
 * gateway sends from many.
 */
export const UNLIMITED_PER_ADDRESS = 1_000_000;

export function runtimeConfig(storage: string, destinationUrl: string, concurrency = 16): Record<string, unknown> {
  return {
    storage,
    limits: { perAddressPerSecond: UNLIMITED_PER_ADDRESS, perAddressBurst: UNLIMITED_PER_ADDRESS },
    sources: [{ name: 'stripe', provider: 'stripe', secrets: [STRIPE_SECRET], toleranceSeconds: 300 }],
    destinations: [{ name: DESTINATION, url: destinationUrl, signingSecret: DELIVERY_SECRET, kinds: ['*'], concurrency }],
  };
}
