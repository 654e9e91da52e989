import { join } from 'node:path';
import { startRedisServer } from '../../../test/support/redis-server';
import { canonicalEvents, fillBacklog, persistEveryWrite } from '../backlog';
import { runtimeConfig, type BenchContext } from '../context';
import { rssMb, sleep, startRuntime, startSink, type RuntimeProcess } from '../processes';

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
}

export interface DeliveryResult {
  backlog: number;
  durability: string;
  runs: DeliveryRun[];
}

const CONCURRENCY_PER_WORKER = 16;

/** `drainSeconds` bounds each run; a backlog not drained by then is reported with its rate so far. */
export async function benchDelivery(context: BenchContext, options: { backlog: number; workers: number[]; drainSeconds: number }): Promise<DeliveryResult> {
  const events = canonicalEvents(Math.min(options.backlog, 20_000));
  const runs: DeliveryRun[] = [];
  for (const workers of options.workers) {
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
        }),
      );
      processes.push(...(await Promise.all(launches)));
      let peakRss = 0;
      while (sink.ids.size < options.backlog && performance.now() - started < options.drainSeconds * 1000) {
        for (const worker of processes) peakRss = Math.max(peakRss, rssMb(worker.pid));
        await sleep(250);
      }
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
      };
      console.log(`delivery, ${workers} worker(s): ${Math.round(run.perSecond)} events/s (${run.delivered} in ${seconds.toFixed(1)} s)`);
      runs.push(run);
    } finally {
      await Promise.all(processes.map((worker) => worker.stop()));
      await sink.close();
      await redis.stop();
    }
  }
  return { backlog: options.backlog, durability: 'Redis with appendonly yes, appendfsync always (turned on once the backlog is queued)', runs };
}
