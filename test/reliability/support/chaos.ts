import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getProvider } from '../../../core/providers';
import { freePort } from '../../support/redis-server';
import { DELIVERY_SECRET, spawnRuntime, tempDir, waitFor, writeConfig, type ConfigOptions, type RuntimeProcess } from '../../runtime/support/harness';
import { startEffectDestination, type EffectDestination } from './effect-destination';
import type { GatewayProfile } from './gateways';
import { simulateGateway, type SimulatorOptions, type SimulatorRun } from './simulator';

/**
 * What every chaos run shares: a runtime as real child processes on a fixed port (so the
 * gateway keeps one URL across restarts), the effect-counting destination, a seeded random
 * source for the fault moments, and the figures printed at the end of the run.
 */
export const EVENTS_PER_RUN = Number(process.env.RELIABILITY_EVENTS ?? 10_000);

/** Mulberry32: a small seeded generator, so a run's fault moments can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function runSeed(): number {
  return Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Limits for a load test from one loopback address: the gateway's whole traffic, retry storms
 * included, comes from 127.0.0.1, so the per-address rate limit is set out of the way.
 */
export const LOAD_LIMITS: ConfigOptions['limits'] = { storeTimeoutMs: 2_000, perAddressPerSecond: 1_000_000, perAddressBurst: 1_000_000 };

export interface ChaosRig {
  dir: string;
  /** The folder handed to `storage` (the SQLite file's). */
  dataDir: string;
  port: number;
  url: string;
  destination: EffectDestination;
  config: string;
  /** Starts one runtime process with a role; resolves once it listens (or consumes, for workers). */
  start(role?: 'both' | 'ingress' | 'worker'): Promise<RuntimeProcess>;
  /** SIGKILL, and wait for the process to be gone. */
  kill(process: RuntimeProcess): Promise<void>;
  /** Kills what is still running and removes the files. */
  close(): Promise<void>;
}

/**
 * Where the SQLite file of a chaos run lives: a RAM-backed folder where there is one. The
 * faults here kill processes, and what a process wrote survives its death without fsync;
 * on this machine's disk every commit's fsync costs ~4 ms, which would make a 10,000-event
 * run take minutes. Power loss is not simulated (docs/reliability.md, limits).
 */
function storageDir(): { path: string; remove: () => void } {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const path = mkdtempSync(join(base, 'pw-reliability-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RigOptions {
  gateway: GatewayProfile;
  /** The storage location; `dir` is a fresh folder for a SQLite file. */
  storage: (dir: string) => string;
  /** Overrides for the runtime config (retry, limits, concurrency). */
  config?: Partial<ConfigOptions>;
}

/** A 300 s replay window for a gateway that signs a time; the others take no such field. */
function replayWindow(provider: string): { toleranceSeconds?: number } {
  return getProvider(provider)?.settings.fields.some((field) => field.name === 'toleranceSeconds') ? { toleranceSeconds: 300 } : {};
}

export async function chaosRig(options: RigOptions): Promise<ChaosRig> {
  const dir = tempDir();
  const data = storageDir();
  const port = await freePort();
  const destination = await startEffectDestination({ signingSecret: DELIVERY_SECRET, redisUrl: process.env.REDIS_URL! });
  const configOptions: ConfigOptions = {
    storage: options.storage(data.path),
    destinationUrl: destination.url,
    port,
    concurrency: 16,
    retry: { maxAttempts: 1_000, initialDelayMs: 50, maxDelayMs: 1_000 },
    limits: LOAD_LIMITS,
    logLevel: 'info',
    // Named after its gateway, so its keys are the gateway's own (provider:id), as the simulator expects.
    sources: [{ name: options.gateway.provider, provider: options.gateway.provider, secrets: [options.gateway.secret], ...replayWindow(options.gateway.provider) }],
    ...options.config,
  };
  const config = writeConfig(dir.path, configOptions);
  // Worker processes serve /healthz and /metrics on their own listen address: any free port.
  const workerDir = join(dir.path, 'worker');
  mkdirSync(workerDir);
  const workerConfig = writeConfig(workerDir, { ...configOptions, port: 0 });
  const processes: RuntimeProcess[] = [];
  const kill = async (runtime: RuntimeProcess) => {
    runtime.child.kill('SIGKILL');
    await runtime.exited;
  };
  return {
    dir: dir.path,
    dataDir: data.path,
    port,
    url: `http://127.0.0.1:${port}/webhooks/${options.gateway.provider}`,
    destination,
    config,
    start: async (role = 'both') => {
      const runtime = spawnRuntime(['start', '--config', role === 'worker' ? workerConfig : config, '--role', role]);
      processes.push(runtime);
      const exited = runtime.exited.then((code) => Promise.reject(new Error(`the ${role} process exited (${code}) before starting`)));
      await Promise.race([role === 'worker' ? runtime.workerStarted : runtime.listening, exited]);
      return runtime;
    },
    kill,
    close: async () => {
      await Promise.all(processes.filter((runtime) => runtime.child.exitCode === null && runtime.child.signalCode === null).map(kill));
      await destination.close();
      dir.remove();
      data.remove();
    },
  };
}

export interface Figures {
  run: string;
  /** Distinct events the gateway had to deliver. */
  events: number;
  /** HTTP requests the gateway made (every copy, every retry). */
  requests: number;
  /** Events the gateway saw a 2xx for: from then on the runtime alone holds them. */
  accepted: number;
  /** Events the gateway gave up on (never acknowledged; the gateway still has them). */
  gaveUp: number;
  /** Accepted events whose effect ran at the destination. */
  delivered: number;
  /** Accepted events with no effect. */
  lost: number;
  /** Events whose effect ran more than once. */
  duplicateEffects: number;
  /** Effects for events the gateway never sent (forgeries that got through). */
  unexpectedEffects: number;
  /** Deliveries the destination received (redeliveries are absorbed by its idempotency claim). */
  deliveries: number;
  faults: string[];
  outcomes: Record<string, number>;
  seconds: number;
}

export function figuresOf(run: string, gateway: SimulatorRun, destination: EffectDestination, faults: string[], startedAt: number): Figures {
  const sent = new Set(gateway.keys);
  const delivered = [...gateway.delivered].filter((key) => destination.effects.has(key)).length;
  return {
    run,
    events: gateway.keys.length,
    requests: gateway.attempts.length,
    accepted: gateway.delivered.size,
    gaveUp: gateway.gaveUp.size,
    delivered,
    lost: gateway.delivered.size - delivered,
    duplicateEffects: [...destination.effects.values()].filter((count) => count > 1).length,
    unexpectedEffects: [...destination.effects.keys()].filter((key) => !sent.has(key)).length,
    deliveries: destination.deliveries(),
    faults,
    outcomes: gateway.outcomes(),
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
}

/** Waits until every event the gateway saw accepted has had its effect (or the time is up). */
export async function drain(gateway: SimulatorRun, destination: EffectDestination, timeoutMs = 120_000): Promise<void> {
  await gateway.finished;
  await waitFor(() => [...gateway.delivered].every((key) => destination.effects.has(key)), 'every accepted event to take effect', timeoutMs).catch(
    () => undefined, // the figures then show what is lost, and the assertions fail on it
  );
  // Redeliveries still on their way would show up as duplicate effects within this time.
  await sleep(1_000);
}

export function printFigures(figures: Figures): void {
  const lines = [
    `── reliability run: ${figures.run} ──`,
    `  events ${figures.events}  requests ${figures.requests}  accepted ${figures.accepted}  gave up ${figures.gaveUp}`,
    `  delivered ${figures.delivered}  lost ${figures.lost}  duplicate effects ${figures.duplicateEffects}  unexpected effects ${figures.unexpectedEffects}`,
    `  deliveries received ${figures.deliveries}  wall time ${figures.seconds} s`,
    `  faults: ${figures.faults.join('; ') || 'none'}`,
    `  gateway attempts by answer: ${Object.entries(figures.outcomes).map(([outcome, count]) => `${outcome}×${count}`).join(' ')}`,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

/** The assertions every chaos run ends with. */
export function expectExactlyOnce(figures: Figures): void {
  expect(figures.events).toBeGreaterThanOrEqual(EVENTS_PER_RUN);
  expect(figures.lost).toBe(0);
  expect(figures.duplicateEffects).toBe(0);
  expect(figures.unexpectedEffects).toBe(0);
  expect(figures.delivered).toBe(figures.accepted);
  // The outage fit inside the gateway's schedule: it had nothing left to give up on.
  expect(figures.gaveUp).toBe(0);
}

export interface FaultContext {
  run: SimulatorRun;
  /** Seeded: the fault moments of a run can be repeated with RELIABILITY_SEED. */
  random: () => number;
  /** Seconds since the run started, for the fault log. */
  elapsed(): string;
}

export interface ChaosRunOptions {
  name: string;
  rig: ChaosRig;
  gateway: GatewayProfile;
  simulator?: Partial<SimulatorOptions>;
  /** Injects the faults while the gateway sends; returns what it did. */
  faults(context: FaultContext): Promise<string[]>;
  drainTimeoutMs?: number;
}

/** Sends EVENTS_PER_RUN events through the rig while `faults` runs, drains, prints and returns the figures. */
export async function chaosRun(options: ChaosRunOptions): Promise<Figures> {
  const seed = runSeed();
  const startedAt = Date.now();
  const run = simulateGateway({
    gateway: options.gateway,
    url: options.rig.url,
    events: EVENTS_PER_RUN,
    ratePerSecond: 400,
    concurrency: 32,
    timeCompression: 10_000,
    attemptTimeoutMs: 5_000,
    tag: `r${seed}`,
    random: seededRandom(seed + 1),
    ...options.simulator,
  });
  const faults = await options.faults({
    run,
    random: seededRandom(seed),
    elapsed: () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
  });
  await drain(run, options.rig.destination, options.drainTimeoutMs);
  const figures = figuresOf(options.name, run, options.rig.destination, [...faults, `seed ${seed}`], startedAt);
  printFigures(figures);
  return figures;
}
