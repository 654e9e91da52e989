import { rmSync, readFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import { jobKey } from '../../../runtime/src/storage/redis-queue';
import { startRedisServer, type TestRedis } from '../../../test/support/redis-server';
import { redisServerPid } from '../backlog';
import { DESTINATION, runtimeConfig, type BenchContext } from '../context';
import { runLoad, sleep, startBareServer, startRuntime, rssMb, STALL_PROBE_FLAGS } from '../processes';
import { summarizeProfile, type ProfileSummary } from '../profile';
import { countRedisCommands } from '../redis-commands';
import type { StepResult } from '../loadgen';
import type { StallRecord } from '../stall-probe';
import { sweepEndpoint, DUPLICATE_SHARE, type LatencyPoint, type SweepResult } from '../sweep';

export type StorageMode = 'sqlite' | 'redis';

export interface IngestResult {
  mode: StorageMode;
  durability: string;
  sweep: SweepResult;
  /** Every event acknowledged with a 200, looked up in storage after the run. */
  check: { acknowledged: number; stored: number; missing: number };
  rssMb: number;
  profile?: ProfileSummary;
  /** Redis commands per request sent during the profiled run, by command (Redis mode; inside Lua scripts included). */
  redisCommandsPerRequest?: Record<string, number>;
  /** Where Redis itself stalled during the sweep and the latency runs (Redis mode). */
  redisPauses?: RedisPauses;
  /** The half-rate latency run again, against a bare HTTP server (bench/harness/bare-server.ts): the machine's floor. */
  floor?: StepResult;
  /** The half-rate latency run again, the runtime's event loop watched (bench/harness/stall-probe.ts). */
  stalls?: StallSummary;
}

/** The event-loop stalls of STALL_MS or more in a watched run, and what the main thread did in them. */
export interface StallSummary {
  /** The watched run's own p99 and length. */
  p99Ms: number;
  seconds: number;
  count: number;
  longestMs: number;
  totalMs: number;
  /** Parts of totalMs: on a core (GC included), waiting for one, and neither (blocked in a system call). */
  onCpuMs: number;
  gcMs: number;
  runQueueMs: number;
  blockedMs: number;
}

/** A stall this long delays every request that arrives during it past the p99 goal by itself. */
export const STALL_MS = 10;

/** Redis's latency monitor (events of 5 ms or more) and its AOF rewrites. */
export interface RedisPauses {
  /** Per latency event (`aof-fsync-always`, `fork`, `command`, ...): the longest, in ms. */
  longestMs: Record<string, number>;
  /** Background rewrites of the append-only file (each forks Redis and writes the whole dataset). */
  aofRewrites: number;
}

/** Redis reports each stall of its main thread at least this long in LATENCY LATEST. */
const REDIS_LATENCY_THRESHOLD_MS = 5;

export const INGEST_CONNECTIONS = [4, 16, 64];
/** Long enough for the runtime to serve the requests a load step left in flight. */
const IN_FLIGHT_SETTLE_MS = 2_000;
const NEVER_CALLED = 'http://127.0.0.1:9/ingress-only';

interface Storage {
  location: string;
  durability: string;
  watch: Record<string, number>;
  /** Counts the commands the storage runs from now on (Redis only). */
  countCommands?: () => ReturnType<typeof countRedisCommands>;
  /** Where the storage server stalled since it started (Redis only). */
  pauses?: () => Promise<RedisPauses>;
  /** How many of these event ids are stored (with their delivery job). */
  countStored(ids: string[]): Promise<number>;
  /** Empties the storage for the next run. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function redisStorage(): Promise<Storage> {
  // fsync on every write: an acknowledged event survives a crash of Redis and of the machine.
  const server: TestRedis = await startRedisServer({ appendOnly: true });
  const client = new Redis(server.url);
  const pid = await redisServerPid(server.url);
  await client.config('SET', 'latency-monitor-threshold', String(REDIS_LATENCY_THRESHOLD_MS));
  return {
    location: server.url,
    durability: 'Redis with appendonly yes, appendfsync always',
    watch: { redis: pid },
    countCommands: () => countRedisCommands(client),
    pauses: async () => {
      const latest = (await client.call('LATENCY', 'LATEST')) as Array<[string, number, number, number]>;
      const rewrites = /aof_rewrites:(\d+)/.exec(await client.info('persistence'))?.[1];
      return {
        longestMs: Object.fromEntries(latest.map(([event, , , maxMs]) => [event, Number(maxMs)])),
        aofRewrites: Number(rewrites ?? 0),
      };
    },
    countStored: async (ids) => {
      let stored = 0;
      for (let start = 0; start < ids.length; start += 10_000) {
        const pipeline = client.pipeline();
        // Each delivery job keeps its event until it is finished; the runtime's job id is `<key>|<destination>`.
        for (const id of ids.slice(start, start + 10_000)) pipeline.exists(jobKey('payment-webhooks', `stripe:${id}|${DESTINATION}`));
        const results = (await pipeline.exec()) ?? [];
        stored += results.filter(([, value]) => value === 1).length;
      }
      return stored;
    },
    reset: async () => {
      await client.flushall();
    },
    close: async () => {
      client.disconnect();
      await server.stop();
    },
  };
}

function sqliteStorage(dir: string): Storage {
  let generation = 0;
  const file = () => join(dir, `events-${generation}.db`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return {
    get location() {
      return `sqlite:${file()}`;
    },
    durability: 'SQLite WAL, synchronous FULL (the runtime\'s setting)',
    watch: {},
    countStored: async (ids) => {
      const db = new BetterSqlite3(file(), { readonly: true });
      const has = db.prepare(`SELECT 1 FROM events e JOIN deliveries d ON d.event_key = e.key WHERE e.key = ? AND d.destination = ?`);
      const stored = ids.filter((id) => has.get(`stripe:${id}`, DESTINATION) !== undefined).length;
      db.close();
      return stored;
    },
    reset: async () => {
      generation += 1;
    },
    close: async () => undefined,
  };
}

function acknowledgedIds(files: string[]): string[] {
  const ids = new Set<string>();
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const id of readFileSync(file, 'utf8').split('\n')) if (id) ids.add(id);
  }
  return [...ids];
}

/** The runtime on fresh storage under `node --cpu-prof`, loaded at the sweep's best concurrency. */
async function profileIngest(
  storage: Storage,
  launch: { entry: string[]; role: 'ingress'; workDir: string; dir: string },
  sweep: SweepResult,
  seconds: number,
): Promise<Pick<IngestResult, 'profile' | 'redisCommandsPerRequest'>> {
  await storage.reset();
  const profileDir = join(launch.dir, 'profile');
  rmSync(profileDir, { recursive: true, force: true });
  const runtime = await startRuntime({
    entry: launch.entry,
    role: launch.role,
    workDir: launch.workDir,
    name: 'runtime-profiled',
    config: runtimeConfig(storage.location, NEVER_CALLED),
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  });
  let loadEndedAt = 0;
  let redisCommandsPerRequest: Record<string, number> | undefined;
  try {
    const counting = await storage.countCommands?.();
    const [step] = await runLoad(
      {
        url: `${runtime.url}/webhooks/stripe`,
        duplicateShare: DUPLICATE_SHARE,
        expectedRate: Math.max(sweep.sustained, 1000),
        steps: [{ connections: sweep.bestConnections, durationS: seconds }],
      },
      launch.dir,
      'profile',
    );
    loadEndedAt = performance.now() - runtime.spawnedAt;
    if (counting) {
      // The requests still in flight when the step ended (one per connection) are served after it: let them finish and count them.
      await sleep(IN_FLIGHT_SETTLE_MS);
      redisCommandsPerRequest = (await counting.perEvent(step.sent)).byCommand;
    }
  } finally {
    await runtime.stop();
  }
  const profile = existsSync(profileDir) ? summarizeProfile(profileDir, { fromMs: loadEndedAt - seconds * 1000, toMs: loadEndedAt }) : undefined;
  return { profile, redisCommandsPerRequest };
}

/**
 * The half-rate latency run repeated against a server that answers at once: the same
 * generator, rate, connections and signed load, right after the runtime's, so what remains
 * of the runtime's p99 above it is the runtime's own.
 */
async function measureFloor(half: LatencyPoint, dir: string, mode: StorageMode): Promise<StepResult> {
  const server = await startBareServer();
  try {
    const step = { connections: half.connections, durationS: half.durationS, overallRate: half.overallRate };
    const [floor] = await runLoad(
      { url: `${server.url}/webhooks/stripe`, duplicateShare: DUPLICATE_SHARE, expectedRate: half.okPerSecond, steps: [step], watch: { server: server.pid } },
      dir,
      `floor-${mode}`,
    );
    console.log(`ingest ${mode}: a bare HTTP server at ${half.overallRate} requests/s answered with p99 ${floor.latency.p99.toFixed(1)} ms (the runtime: ${half.latency.p99.toFixed(1)} ms)`);
    return floor;
  } finally {
    await server.stop();
  }
}

/**
 * The half-rate latency run once more on fresh storage, with bench/harness/stall-probe.ts
 * preloaded: what the stalls of the runtime's event loop are made of (work on a core, garbage
 * collection, waiting for a core held by other work, a blocking system call). A separate run,
 * so the probe's timer does not touch the figures above.
 */
async function watchStalls(
  storage: Storage,
  launch: { entry: string[]; role: 'ingress'; workDir: string; dir: string },
  half: LatencyPoint,
  mode: StorageMode,
): Promise<StallSummary> {
  await storage.reset();
  const file = join(launch.dir, 'stalls.json');
  rmSync(file, { force: true });
  const runtime = await startRuntime({
    entry: launch.entry,
    role: launch.role,
    workDir: launch.workDir,
    name: 'runtime-watched',
    config: runtimeConfig(storage.location, NEVER_CALLED),
    nodeFlags: STALL_PROBE_FLAGS,
    env: { BENCH_STALL_FILE: file },
  });
  try {
    const load = (durationS: number, name: string) =>
      runLoad(
        {
          url: `${runtime.url}/webhooks/stripe`,
          duplicateShare: DUPLICATE_SHARE,
          expectedRate: half.okPerSecond,
          steps: [{ connections: half.connections, durationS, overallRate: half.overallRate }],
        },
        launch.dir,
        name,
      );
    // A short warm-up, so start-up and the first compilations are not counted.
    await load(2, 'watched-warmup');
    await collectStalls(runtime.pid, file);
    const [step] = await load(half.durationS, 'watched');
    const record = await collectStalls(runtime.pid, file);
    const stalls = record.stalls.filter((stall) => stall.ms >= STALL_MS);
    // The scheduler's clocks tick apart from the timer's: each part is capped by what is left of the stall.
    const parts = stalls.map((stall) => {
      const onCpu = Math.min(stall.ms, stall.onCpuMs ?? 0);
      return { ms: stall.ms, onCpu, runQueue: Math.min(stall.ms - onCpu, stall.runQueueMs ?? 0), gc: Math.min(stall.gcMs, stall.ms) };
    });
    const sum = (part: (stall: (typeof parts)[number]) => number) => parts.reduce((total, stall) => total + part(stall), 0);
    const totalMs = sum((stall) => stall.ms);
    const onCpuMs = sum((stall) => stall.onCpu);
    const runQueueMs = sum((stall) => stall.runQueue);
    const summary: StallSummary = {
      p99Ms: step.latency.p99,
      seconds: record.seconds,
      count: stalls.length,
      longestMs: Math.max(0, ...stalls.map((stall) => stall.ms)),
      totalMs,
      onCpuMs,
      gcMs: sum((stall) => stall.gc),
      runQueueMs,
      blockedMs: Math.max(0, totalMs - onCpuMs - runQueueMs),
    };
    console.log(
      `ingest ${mode}: watched half-rate run p99 ${step.latency.p99.toFixed(1)} ms; ${summary.count} stalls of ${STALL_MS} ms or more, ` +
        `${totalMs.toFixed(0)} ms in all (on a core ${onCpuMs.toFixed(0)}, GC ${summary.gcMs.toFixed(0)}, waiting for a core ${runQueueMs.toFixed(0)}, blocked ${summary.blockedMs.toFixed(0)})`,
    );
    return summary;
  } finally {
    await runtime.stop();
  }
}

/** Asks the probe for what it saw since the last time, and takes its file. */
async function collectStalls(pid: number, file: string): Promise<StallRecord> {
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 5_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`the stall probe wrote no ${file}`);
    await sleep(20);
  }
  const record = JSON.parse(readFileSync(file, 'utf8')) as StallRecord;
  rmSync(file);
  return record;
}

export async function benchIngest(context: BenchContext, mode: StorageMode, options: { profileSeconds: number; stepSeconds: number; latencySeconds: number }): Promise<IngestResult> {
  const dir = join(context.workDir, `ingest-${mode}`);
  mkdirSync(dir, { recursive: true });
  const storage = mode === 'redis' ? await redisStorage() : sqliteStorage(join(dir, 'db'));
  try {
    // Ingress role: nothing is delivered during the measurement, every event stays stored.
    const launch = { entry: context.runtimeEntry, role: 'ingress' as const, workDir: dir };
    const runtime = await startRuntime({ ...launch, name: 'runtime', config: runtimeConfig(storage.location, NEVER_CALLED) });
    let sweep: SweepResult;
    let rss = 0;
    try {
      sweep = await sweepEndpoint({
        url: `${runtime.url}/webhooks/stripe`,
        name: `ingest-${mode}`,
        workDir: dir,
        // Sizes the pools of fresh events (above both targets); a faster runtime shows up as "pool ran out".
        expectedRate: 12_000,
        connections: INGEST_CONNECTIONS,
        stepSeconds: options.stepSeconds,
        latencyShares: [0.25, 0.5, 0.9],
        latencySeconds: options.latencySeconds,
        watch: { runtime: runtime.pid, ...storage.watch },
      });
      rss = rssMb(runtime.pid);
    } finally {
      await runtime.stop();
    }
    const half = sweep.latency.find((point) => point.share === 0.5);
    const floor = half && (await measureFloor(half, dir, mode));
    const redisPauses = await storage.pauses?.();
    const ids = acknowledgedIds(sweep.acceptedFiles);
    const stored = await storage.countStored(ids);
    const check = { acknowledged: ids.length, stored, missing: ids.length - stored };
    console.log(`ingest ${mode}: ${Math.round(sweep.sustained)} events/s sustained; ${check.stored}/${check.acknowledged} acknowledged events found in storage`);

    // Separate runs (each on fresh storage, once the stored events are counted) under the stall
    // probe and the profiler, so neither touches the figures above.
    const stalls = half && (await watchStalls(storage, { ...launch, dir }, half, mode));
    const profiled = options.profileSeconds > 0 ? await profileIngest(storage, { ...launch, dir }, sweep, options.profileSeconds) : {};
    return { mode, durability: storage.durability, sweep, check, rssMb: rss, ...profiled, ...(redisPauses && { redisPauses }), ...(floor && { floor }), ...(stalls && { stalls }) };
  } finally {
    await storage.close();
  }
}
