import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startRedisServer } from '../../../test/support/redis-server';
import { canonicalEvents, fillBacklog, persistEveryWrite, redisServerPid } from '../backlog';
import { runtimeConfig, type BenchContext } from '../context';
import { cpuSeconds, rssMb, sleep, startRuntime, startSink, type RuntimeProcess } from '../processes';
import { summarizeProfile, type ProfileSummary } from '../profile';

/**
 * Delivery from a backlog in Redis mode: N events queued, then 1, 2 and 4 worker
 * processes deliver them to a loopback destination that answers at once.
 */
export interface DeliveryRun {
  workers: number;
  concurrencyPerWorker: number;
  /** Filling happens before Redis persists every write, so it is faster than ingest. */
  fillSeconds: number;
  delivered: number;
  /** Deliveries beyond the first of an event (at-least-once redeliveries). */
  repeated: number;
  seconds: number;
  perSecond: number;
  peakWorkerRssMb: number;
  drained: boolean;
  /** Cores used while delivering: all workers together, Redis, and the destination (this process). */
  cpu: { workers?: number; redis?: number; destination: number };
}

export interface DeliveryResult {
  backlog: number;
  durability: string;
  runs: DeliveryRun[];
  /** The single worker of the 1-worker run, under `node --cpu-prof`, while it delivered. */
  profile?: ProfileSummary;
}

const CONCURRENCY_PER_WORKER = 16;

/** `drainSeconds` bounds each run; a backlog not drained by then is reported with its rate so far. */
export async function benchDelivery(context: BenchContext, options: { backlog: number; workers: number[]; drainSeconds: number }): Promise<DeliveryResult> {
  const events = canonicalEvents(Math.min(options.backlog, 20_000));
  const runs: DeliveryRun[] = [];
  const profileDir = join(context.workDir, 'delivery', 'profile');
  rmSync(profileDir, { recursive: true, force: true });
  let profile: ProfileSummary | undefined;
  for (const workers of options.workers) {
    const profiled = workers === 1;
    const redis = await startRedisServer();
    const sink = await startSink();
    const processes: RuntimeProcess[] = [];
    try {
      const fill = await fillBacklog(redis.url, options.backlog, events);
      if (fill.backlog !== options.backlog) throw new Error(`queued ${fill.backlog} of ${options.backlog} events`);
      await persistEveryWrite(redis.url);
      const started = performance.now();
      const launches = Array.from({ length: workers }, (_, index) =>
        startRuntime({
          entry: context.runtimeEntry,
          role: 'worker',
          name: `worker-${workers}-${index}`,
          workDir: join(context.workDir, 'delivery'),
          config: runtimeConfig(redis.url, sink.url, CONCURRENCY_PER_WORKER),
          ...(profiled && { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] }),
        }),
      );
      processes.push(...(await Promise.all(launches)));
      const pids = { redis: await redisServerPid(redis.url), workers: processes.map((worker) => worker.pid) };
      const cpuNow = () => {
        const own = process.cpuUsage();
        const workerSeconds = pids.workers.map(cpuSeconds);
        return {
          at: performance.now(),
          destination: (own.user + own.system) / 1e6,
          redis: cpuSeconds(pids.redis),
          workers: workerSeconds.every((value) => value !== undefined) ? workerSeconds.reduce((sum, value) => sum! + value!, 0) : undefined,
        };
      };
      const cpuStart = cpuNow();
      let peakRss = 0;
      while (sink.ids.size < options.backlog && performance.now() - started < options.drainSeconds * 1000) {
        for (const worker of processes) peakRss = Math.max(peakRss, rssMb(worker.pid));
        await sleep(250);
      }
      const cpuEnd = cpuNow();
      const share = (end?: number, start?: number) => (end !== undefined && start !== undefined ? (end - start) / ((cpuEnd.at - cpuStart.at) / 1000) : undefined);
      // Measured from the first delivery to the last, so process start-up is not counted.
      const seconds = ((sink.lastAt ?? started) - (sink.firstAt ?? started)) / 1000;
      const run: DeliveryRun = {
        workers,
        concurrencyPerWorker: CONCURRENCY_PER_WORKER,
        fillSeconds: fill.seconds,
        delivered: sink.ids.size,
        repeated: sink.received - sink.ids.size,
        seconds,
        perSecond: sink.ids.size / seconds,
        peakWorkerRssMb: peakRss,
        drained: sink.ids.size >= options.backlog,
        cpu: {
          workers: share(cpuEnd.workers, cpuStart.workers),
          redis: share(cpuEnd.redis, cpuStart.redis),
          destination: share(cpuEnd.destination, cpuStart.destination) ?? 0,
        },
      };
      if (profiled) {
        await processes[0].stop();
        const spawned = processes[0].spawnedAt;
        const window = { fromMs: (sink.firstAt ?? spawned) - spawned, toMs: (sink.lastAt ?? spawned) - spawned };
        profile = existsSync(profileDir) ? summarizeProfile(profileDir, window) : undefined;
      }
      console.log(`delivery, ${workers} worker(s): ${Math.round(run.perSecond)} events/s (${run.delivered} in ${seconds.toFixed(1)} s)`);
      runs.push(run);
    } finally {
      await Promise.all(processes.map((worker) => worker.stop()));
      await sink.close();
      await redis.stop();
    }
  }
  return { backlog: options.backlog, durability: 'Redis with appendonly yes, appendfsync always (turned on once the backlog is queued)', runs, profile };
}
