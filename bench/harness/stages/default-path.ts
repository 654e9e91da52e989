import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startRedisServer, type TestRedis } from '../../../test/support/redis-server';
import { Redis } from 'ioredis';
import { redisServerPid } from '../backlog';
import { runtimeConfig, type BenchContext } from '../context';
import type { StepResult } from '../loadgen';
import { cpuSeconds, runLoad, sleep, startRuntime, startSink, type RuntimeProcess, type Sink } from '../processes';
import { summarizeProfile, type ProfileSummary } from '../profile';
import { countRedisCommands, type RedisCommandsPerEvent } from '../redis-commands';
import { DUPLICATE_SHARE } from '../sweep';
import type { StorageMode } from './ingest';

/**
 * The default path: the runtime as `npm start` runs it (role both, the destination's default
 * concurrency), ingesting while it delivers every event to a loopback destination in another
 * process (this one), against the same runtime with `--role ingress`, alternating, under the
 * ingest stage's load generator. Its rate is what was both acknowledged and delivered
 * (deliveredRequestRate). Every acknowledged event must reach the destination by the end, or
 * the stage fails.
 * Then Redis scale-out: two ingress and two worker processes on one Redis against one of each.
 */
export interface PathRun {
  role: 'ingress' | 'both';
  connections: number;
  /** The load step as the generator saw it (2xx/s, latency, CPU of the watched processes). */
  step: StepResult;
  /** Distinct events acknowledged with a 200. */
  accepted: number;
  /** Of those, how many reached the destination (role both). */
  delivered?: number;
  /** Distinct deliveries per second from the first to the last (role both). */
  deliveredPerSecond?: number;
  /** Deliveries still owed when the load ended (role both). */
  backlogAtLoadEnd?: number;
  /** Seconds from the end of the load to the last delivery (role both). */
  drainSeconds?: number;
  /** Share of one core the destination (this process) used over the run (role both). */
  destinationCpu?: number;
  /** Redis mode: commands per acknowledged event over the run (for role both, its deliveries' commands too). */
  redisCommands?: RedisCommandsPerEvent;
  /** Requests per second this run counts for: the acknowledgement rate, or for role both deliveredRequestRate. */
  rate: number;
}

/**
 * Requests per second both acknowledged and delivered. A request that repeats an earlier event
 * is acknowledged and needs no delivery, so each delivery (a distinct event) counts for the
 * requests its events came in as on average; the rate is the lower of that and the
 * acknowledgements, both in requests, as the ingress-only rate is. Counting distinct deliveries
 * against all acknowledgements would cap a run that delivers everything at once at the share of
 * distinct events (90% with 10% repeats).
 */
export function deliveredRequestRate(run: { acksPerSecond: number; deliveredPerSecond: number; requests: number; distinct: number }): number {
  const requestsPerEvent = run.distinct > 0 ? run.requests / run.distinct : 1;
  return Math.min(run.acksPerSecond, run.deliveredPerSecond * requestsPerEvent);
}

export interface ModeRuns {
  mode: StorageMode;
  durability: string;
  /** Alternating ingress-only and default-path runs. */
  runs: PathRun[];
  ingressOnly: number;
  defaultPath: number;
  /** Default path over ingress-only, best run of each. */
  ratio: number;
  check: { accepted: number; delivered: number; missing: number };
  /** The default path under `node --cpu-prof` (a separate run). */
  profile?: ProfileSummary;
  /** CPU per event of the best default-path run, microseconds of one core: runtime, Redis, destination. */
  cpuMicrosPerEvent: Record<string, number>;
}

export interface ScaleOutRun {
  ingress: number;
  workers: number;
  connections: number;
  acksPerSecond: number;
  deliveredPerSecond: number;
  accepted: number;
  delivered: number;
  /** Cores used over the load: all ingress processes, all workers, Redis, the load generators, the destination. */
  cores: Record<string, number>;
  /** CPU microseconds per acknowledged event, by process group. */
  cpuMicrosPerEvent: Record<string, number>;
  /** Requests per second both acknowledged and delivered (deliveredRequestRate). */
  rate: number;
}

export interface DefaultPathResult {
  connections: number;
  seconds: number;
  modes: ModeRuns[];
  scaleOut: ScaleOutRun[];
}

export interface DefaultPathOptions {
  seconds: number;
  /** Ingress-only / default-path pairs per mode. */
  rounds: number;
  profileSeconds: number;
  scaleOutSeconds: number;
  /** The longest wait for the destination to receive everything acknowledged. */
  drainSeconds: number;
}

/** The concurrency the issue measured at; the ingest sweep's best step lies between 16 and 64. */
export const DEFAULT_PATH_CONNECTIONS = 32;
const NEVER_CALLED = 'http://127.0.0.1:9/ingress-only';
/** Sizes the pools of fresh events: above any rate this machine reaches, so no step reuses its pool. */
const EXPECTED_RATE = 8_000;

/** The config `npm start` would run with: the bench's source and destination, the destination's concurrency left to the default. */
function defaultConfig(storage: string, destinationUrl: string): Record<string, unknown> {
  const config = runtimeConfig(storage, destinationUrl) as { destinations: Array<Record<string, unknown>> };
  for (const destination of config.destinations) delete destination.concurrency;
  return config;
}

interface ModeStorage {
  durability: string;
  /** A fresh, empty storage location for the next run. */
  next(): Promise<string>;
  redisPid?: number;
  /** Redis mode: starts counting the commands Redis runs. */
  countCommands?: () => ReturnType<typeof countRedisCommands>;
  close(): Promise<void>;
}

async function modeStorage(mode: StorageMode, dir: string): Promise<ModeStorage> {
  if (mode === 'sqlite') {
    let generation = 0;
    rmSync(join(dir, 'db'), { recursive: true, force: true });
    return {
      durability: "SQLite WAL, synchronous FULL (the runtime's setting)",
      next: async () => `sqlite:${join(dir, 'db', `events-${(generation += 1)}.db`)}`,
      close: async () => undefined,
    };
  }
  const server: TestRedis = await startRedisServer({ appendOnly: true });
  const client = new Redis(server.url);
  return {
    durability: 'Redis with appendonly yes, appendfsync always',
    redisPid: await redisServerPid(server.url),
    next: async () => {
      await client.flushall();
      return server.url;
    },
    countCommands: () => countRedisCommands(client),
    close: async () => {
      client.disconnect();
      await server.stop();
    },
  };
}

function acceptedIds(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** Waits until the sink holds every acknowledged id (as `stripe:<id>`) or the time is up; returns how many arrived. */
async function waitDelivered(sink: Sink, ids: string[], seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  const count = () => ids.filter((id) => sink.ids.has(`stripe:${id}`)).length;
  while (sink.ids.size < ids.length && performance.now() < deadline) await sleep(200);
  return count();
}

/** One load step against one runtime; for role both, also what reached the destination. */
async function runPath(
  context: BenchContext,
  options: { mode: StorageMode; role: 'ingress' | 'both'; storage: ModeStorage; connections: number; seconds: number; drainSeconds: number; name: string },
): Promise<PathRun> {
  const dir = join(context.workDir, 'default-path');
  const sink = options.role === 'both' ? await startSink() : undefined;
  const runtime = await startRuntime({
    entry: context.runtimeEntry,
    role: options.role,
    workDir: dir,
    name: options.name,
    config: defaultConfig(await options.storage.next(), sink?.url ?? NEVER_CALLED),
  });
  try {
    const acceptedFile = join(dir, `${options.name}.accepted`);
    rmSync(acceptedFile, { force: true });
    const cpuBefore = process.cpuUsage();
    const commands = await options.storage.countCommands?.();
    const [step] = await runLoad(
      {
        url: `${runtime.url}/webhooks/stripe`,
        duplicateShare: DUPLICATE_SHARE,
        expectedRate: EXPECTED_RATE,
        acceptedFile,
        watch: { runtime: runtime.pid, ...(options.storage.redisPid !== undefined && { redis: options.storage.redisPid }) },
        steps: [{ connections: options.connections, durationS: options.seconds }],
      },
      dir,
      options.name,
    );
    const loadEnded = performance.now();
    const ids = acceptedIds(acceptedFile);
    const backlogAtLoadEnd = sink && ids.length - ids.filter((id) => sink.ids.has(`stripe:${id}`)).length;
    const delivered = sink && (await waitDelivered(sink, ids, options.drainSeconds));
    // Counted once everything is delivered, so a delivery's commands are counted with its event.
    const redisCommands = await commands?.perEvent(step.ok);
    const run: PathRun = { role: options.role, connections: options.connections, step, accepted: ids.length, rate: step.okPerSecond, ...(redisCommands && { redisCommands }) };
    if (!sink) return run;
    const cpu = process.cpuUsage(cpuBefore);
    const span = ((sink.lastAt ?? loadEnded) - (sink.firstAt ?? loadEnded)) / 1000;
    const deliveredPerSecond = span > 0 ? sink.ids.size / span : 0;
    return {
      ...run,
      delivered,
      deliveredPerSecond,
      backlogAtLoadEnd,
      drainSeconds: Math.max(0, ((sink.lastAt ?? loadEnded) - loadEnded) / 1000),
      destinationCpu: (cpu.user + cpu.system) / 1e6 / Math.max(span, options.seconds),
      rate: deliveredRequestRate({ acksPerSecond: step.okPerSecond, deliveredPerSecond, requests: step.ok, distinct: ids.length }),
    };
  } finally {
    await runtime.stop();
    await sink?.close();
  }
}

/** The default path under the profiler, loaded as in the measured runs; the window is the load. */
async function profileDefaultPath(context: BenchContext, options: { storage: ModeStorage; mode: StorageMode; seconds: number; connections: number }): Promise<ProfileSummary | undefined> {
  const dir = join(context.workDir, 'default-path');
  const profileDir = join(dir, `profile-${options.mode}`);
  rmSync(profileDir, { recursive: true, force: true });
  const sink = await startSink();
  const runtime = await startRuntime({
    entry: context.runtimeEntry,
    role: 'both',
    workDir: dir,
    name: `profiled-${options.mode}`,
    config: defaultConfig(await options.storage.next(), sink.url),
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  });
  let loadEndedAt = 0;
  try {
    await runLoad(
      { url: `${runtime.url}/webhooks/stripe`, duplicateShare: DUPLICATE_SHARE, expectedRate: EXPECTED_RATE, steps: [{ connections: options.connections, durationS: options.seconds }] },
      dir,
      `profile-${options.mode}`,
    );
    loadEndedAt = performance.now() - runtime.spawnedAt;
  } finally {
    await runtime.stop();
    await sink.close();
  }
  return existsSync(profileDir) ? summarizeProfile(profileDir, { fromMs: loadEndedAt - options.seconds * 1000, toMs: loadEndedAt }) : undefined;
}

const best = (runs: PathRun[]) => runs.reduce((top, run) => (run.rate > (top?.rate ?? -1) ? run : top), undefined as PathRun | undefined);

/** One storage mode: alternating ingress-only and default-path runs, then the profiled run. */
export async function measureMode(context: BenchContext, mode: StorageMode, options: DefaultPathOptions): Promise<ModeRuns> {
  const storage = await modeStorage(mode, join(context.workDir, 'default-path', mode));
  try {
    const runs: PathRun[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      for (const role of ['ingress', 'both'] as const) {
        const run = await runPath(context, { mode, role, storage, connections: DEFAULT_PATH_CONNECTIONS, seconds: options.seconds, drainSeconds: options.drainSeconds, name: `${mode}-${role}-${round}` });
        console.log(
          `default-path ${mode}, role ${role}, round ${round}: ${Math.round(run.step.okPerSecond)} acks/s` +
            `${run.deliveredPerSecond !== undefined ? `, ${Math.round(run.deliveredPerSecond)} deliveries/s, ${run.delivered}/${run.accepted} delivered` : ''}`,
        );
        runs.push(run);
      }
    }
    const ingressOnly = best(runs.filter((run) => run.role === 'ingress'))!;
    const defaultPath = best(runs.filter((run) => run.role === 'both'))!;
    const both = runs.filter((run) => run.role === 'both');
    const accepted = both.reduce((sum, run) => sum + run.accepted, 0);
    const delivered = both.reduce((sum, run) => sum + (run.delivered ?? 0), 0);
    const perEvent = (share: number | undefined) => (share === undefined ? undefined : (share * 1e6) / defaultPath.rate);
    const cpuMicrosPerEvent = Object.fromEntries(
      Object.entries({ runtime: perEvent(defaultPath.step.cpu.runtime), redis: perEvent(defaultPath.step.cpu.redis), destination: perEvent(defaultPath.destinationCpu) }).filter(
        (entry): entry is [string, number] => entry[1] !== undefined,
      ),
    );
    const profile = options.profileSeconds > 0 ? await profileDefaultPath(context, { storage, mode, seconds: options.profileSeconds, connections: DEFAULT_PATH_CONNECTIONS }) : undefined;
    return {
      mode,
      durability: storage.durability,
      runs,
      ingressOnly: ingressOnly.rate,
      defaultPath: defaultPath.rate,
      ratio: defaultPath.rate / ingressOnly.rate,
      check: { accepted, delivered, missing: accepted - delivered },
      profile,
      cpuMicrosPerEvent,
    };
  } finally {
    await storage.close();
  }
}

/** `ingress` ingress processes and `workers` worker processes on one Redis, one load generator per ingress process. */
async function scaleOut(context: BenchContext, shape: { ingress: number; workers: number; seconds: number; drainSeconds: number }): Promise<ScaleOutRun> {
  const dir = join(context.workDir, 'default-path', 'scale-out');
  mkdirSync(dir, { recursive: true });
  const redis = await startRedisServer({ appendOnly: true });
  const sink = await startSink();
  const processes: RuntimeProcess[] = [];
  try {
    const config = defaultConfig(redis.url, sink.url);
    const name = `${shape.ingress}x${shape.workers}`;
    const start = (role: 'ingress' | 'worker', index: number) => startRuntime({ entry: context.runtimeEntry, role, workDir: dir, name: `${name}-${role}-${index}`, config });
    const ingress = await Promise.all(Array.from({ length: shape.ingress }, (_, index) => start('ingress', index)));
    const workers = await Promise.all(Array.from({ length: shape.workers }, (_, index) => start('worker', index)));
    processes.push(...ingress, ...workers);
    const redisPid = await redisServerPid(redis.url);
    const sum = (pids: number[]) => pids.reduce((total, pid) => total + (cpuSeconds(pid) ?? 0), 0);
    const reading = () => ({ at: performance.now(), ingress: sum(ingress.map((entry) => entry.pid)), workers: sum(workers.map((entry) => entry.pid)), redis: cpuSeconds(redisPid) ?? 0 });
    const destinationBefore = process.cpuUsage();
    const before = reading();
    const connections = DEFAULT_PATH_CONNECTIONS / shape.ingress;
    const loads = await Promise.all(
      ingress.map((runtime, index) =>
        runLoad(
          {
            url: `${runtime.url}/webhooks/stripe`,
            duplicateShare: DUPLICATE_SHARE,
            expectedRate: EXPECTED_RATE / shape.ingress,
            acceptedFile: join(dir, `${name}-${index}.accepted`),
            steps: [{ connections, durationS: shape.seconds }],
          },
          dir,
          `${name}-${index}`,
        ),
      ),
    );
    const after = reading();
    const destination = process.cpuUsage(destinationBefore);
    const steps = loads.map(([step]) => step);
    const ids = ingress.flatMap((_, index) => acceptedIds(join(dir, `${name}-${index}.accepted`)));
    const delivered = await waitDelivered(sink, ids, shape.drainSeconds);
    const wall = (after.at - before.at) / 1000;
    const acked = steps.reduce((total, step) => total + step.ok, 0);
    const loadgen = steps.reduce((total, step) => total + (step.cpu.loadgen ?? 0), 0);
    const cores = {
      ingress: (after.ingress - before.ingress) / wall,
      workers: (after.workers - before.workers) / wall,
      redis: (after.redis - before.redis) / wall,
      loadgen,
      destination: (destination.user + destination.system) / 1e6 / wall,
    };
    const span = ((sink.lastAt ?? 0) - (sink.firstAt ?? 0)) / 1000;
    const acksPerSecond = steps.reduce((total, step) => total + step.okPerSecond, 0);
    const cpuMicrosPerEvent = Object.fromEntries(Object.entries(cores).map(([group, share]) => [group, (share * wall * 1e6) / Math.max(acked, 1)]));
    console.log(`scale-out ${name}: ${Math.round(acksPerSecond)} acks/s, ${delivered}/${ids.length} delivered`);
    const deliveredPerSecond = span > 0 ? sink.ids.size / span : 0;
    const rate = deliveredRequestRate({ acksPerSecond, deliveredPerSecond, requests: acked, distinct: ids.length });
    return { ingress: shape.ingress, workers: shape.workers, connections: DEFAULT_PATH_CONNECTIONS, acksPerSecond, deliveredPerSecond, accepted: ids.length, delivered, cores, cpuMicrosPerEvent, rate };
  } finally {
    await Promise.all(processes.map((entry) => entry.stop()));
    await sink.close();
    await redis.stop();
  }
}

export async function benchDefaultPath(context: BenchContext, options: DefaultPathOptions): Promise<DefaultPathResult> {
  mkdirSync(join(context.workDir, 'default-path'), { recursive: true });
  const modes: ModeRuns[] = [];
  for (const mode of ['sqlite', 'redis'] as StorageMode[]) modes.push(await measureMode(context, mode, options));
  const scaleOutRuns: ScaleOutRun[] = [];
  for (const count of [1, 2]) scaleOutRuns.push(await scaleOut(context, { ingress: count, workers: count, seconds: options.scaleOutSeconds, drainSeconds: options.drainSeconds }));
  const lost = [...modes.map((entry) => ({ what: `${entry.mode} default path`, ...entry.check })), ...scaleOutRuns.map((run) => ({ what: `scale-out ${run.ingress}x${run.workers}`, accepted: run.accepted, delivered: run.delivered, missing: run.accepted - run.delivered }))].filter(
    (entry) => entry.missing !== 0,
  );
  const result = { connections: DEFAULT_PATH_CONNECTIONS, seconds: options.seconds, modes, scaleOut: scaleOutRuns };
  if (lost.length > 0) {
    throw new Error(`acknowledged events not delivered by the end of the stage: ${lost.map((entry) => `${entry.what} ${entry.delivered} of ${entry.accepted}`).join('; ')}`);
  }
  return result;
}
