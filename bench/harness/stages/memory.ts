import { join } from 'node:path';
import { Redis } from 'ioredis';
import { queueKeys } from '../../../runtime/src/storage/redis-queue';
import { startRedisServer } from '../../../test/support/redis-server';
import { canonicalEvents, fillBacklog } from '../backlog';
import { DESTINATION, runtimeConfig, type BenchContext } from '../context';
import { rssMb, sleep, startRuntime, startSink } from '../processes';

/**
 * Resident memory of one runtime process (ingress and worker, Redis mode) while it works
 * through a small backlog and while it works through a large one: the queue lives in
 * Redis, so the process should not grow with it.
 */
export interface MemoryPhase {
  /** Jobs queued when the runtime started (the fill stops at its time limit). */
  backlog: number;
  fillSeconds: number;
  /** [seconds since start, RSS MB], every half second. */
  samples: Array<[number, number]>;
  peakRssMb: number;
  delivered: number;
  /** Jobs still waiting when sampling ended. */
  remaining: number;
}

export interface MemoryResult {
  phases: MemoryPhase[];
  /** Peak RSS with the large backlog over peak RSS with the small one. */
  growth: number;
}

/**
 * The small backlog is a tenth of the large one (at least 10,000): enough that the runtime
 * still delivers at full speed when sampling ends, so both phases compare the same work and
 * differ only in what waits in Redis. (A backlog drained halfway through the window would
 * compare a busy process with an idle one.)
 */
const smallBacklog = (large: number) => Math.max(10_000, Math.round(large / 10));

export async function benchMemory(context: BenchContext, options: { backlog: number; sampleSeconds: number; fillSeconds: number }): Promise<MemoryResult> {
  const sample = canonicalEvents(10_000);
  // Memory is the question here, not durability: this Redis does not persist (the fill is faster).
  const redis = await startRedisServer();
  const client = new Redis(redis.url);
  const phases: MemoryPhase[] = [];
  try {
    for (const backlog of [smallBacklog(options.backlog), options.backlog]) {
      await client.flushall();
      const fill = await fillBacklog(redis.url, backlog, sample, options.fillSeconds * 1000);
      const sink = await startSink();
      const runtime = await startRuntime({
        entry: context.runtimeEntry,
        role: 'both',
        name: `memory-${backlog}`,
        workDir: join(context.workDir, 'memory'),
        config: runtimeConfig(redis.url, sink.url),
      });
      const samples: Array<[number, number]> = [];
      const started = performance.now();
      try {
        while (performance.now() - started < options.sampleSeconds * 1000) {
          if (runtime.exitCode() !== null) throw new Error(`the runtime exited (${runtime.exitCode()}) while sampling:\n${runtime.output().slice(-4000)}`);
          samples.push([(performance.now() - started) / 1000, rssMb(runtime.pid)]);
          await sleep(500);
        }
      } finally {
        await runtime.stop();
        await sink.close();
      }
      // Jobs not leased yet wait in the destination's ready set.
      const remaining = await client.zcard(queueKeys('payment-webhooks', DESTINATION).ready);
      const phase = { backlog: fill.backlog, fillSeconds: fill.seconds, samples, peakRssMb: Math.max(...samples.map(([, rss]) => rss)), delivered: sink.ids.size, remaining };
      console.log(`memory with ${backlog} queued: peak RSS ${phase.peakRssMb.toFixed(0)} MB, ${phase.delivered} delivered while sampling, ${remaining} still queued`);
      phases.push(phase);
    }
  } finally {
    client.disconnect();
    await redis.stop();
  }
  return { phases, growth: phases[1].peakRssMb / phases[0].peakRssMb };
}
