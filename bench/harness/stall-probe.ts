/**
 * Preloaded into a runtime under the bench (`node -r`): watches its event loop for stalls, the
 * stretches in which a 1 ms timer could not run, and records what the main thread did in each:
 * ran on a core or waited for one (Linux's per-thread schedstat), the rest being time blocked in
 * a system call (a commit's fsync), and how much of it was garbage collection. A stall sets the
 * latency of every request that arrives during it, so these are what p99 is made of.
 *
 * SIGUSR2 writes what was seen since the previous SIGUSR2 (or the start) to the file named by
 * BENCH_STALL_FILE, and starts again.
 */
import { openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

/** One stall: performance.now() at its start, its length, and the main thread's share of it. */
export interface Stall {
  startedAt: number;
  ms: number;
  /** On a core, and runnable but waiting for one; absent where schedstat is not readable. */
  onCpuMs?: number;
  runQueueMs?: number;
  /** Garbage collection pauses inside the stall. */
  gcMs: number;
}

export interface StallRecord {
  seconds: number;
  stalls: Stall[];
}

const TICK_MS = 1;
/** Shorter stalls are not kept: they cannot put a request past a 10 ms goal by themselves. */
const KEEP_MS = 5;

/** The main thread's time on a core and waiting for one, in ms, from /proc (Linux). */
function schedClock(): (() => [number, number]) | undefined {
  try {
    const fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
    const buffer = Buffer.alloc(128);
    return () => {
      const [running, waiting] = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0)).split(' ').map(Number);
      return [running / 1e6, waiting / 1e6];
    };
  } catch {
    return undefined;
  }
}

function watch(file: string): void {
  const sched = schedClock();
  let gcs: Array<[number, number]> = [];
  let stalls: Array<Omit<Stall, 'gcMs'>> = [];
  let since = performance.now();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcs.push([entry.startTime, entry.duration]);
  }).observe({ entryTypes: ['gc'] });

  let last = performance.now();
  let lastSched = sched?.();
  setInterval(() => {
    const now = performance.now();
    const clock = sched?.();
    const ms = now - last - TICK_MS;
    if (ms >= KEEP_MS) {
      stalls.push({
        startedAt: last,
        ms,
        ...(clock && lastSched && { onCpuMs: clock[0] - lastSched[0], runQueueMs: clock[1] - lastSched[1] }),
      });
    }
    last = now;
    lastSched = clock;
  }, TICK_MS).unref();

  process.on('SIGUSR2', () => {
    const overlap = (stall: Omit<Stall, 'gcMs'>) =>
      gcs.reduce((sum, [start, duration]) => sum + Math.max(0, Math.min(stall.startedAt + stall.ms, start + duration) - Math.max(stall.startedAt, start)), 0);
    const record: StallRecord = { seconds: (performance.now() - since) / 1000, stalls: stalls.map((stall) => ({ ...stall, gcMs: overlap(stall) })) };
    // Whole or not at all: the bench reads the file as soon as it appears.
    writeFileSync(`${file}.part`, JSON.stringify(record));
    renameSync(`${file}.part`, file);
    gcs = [];
    stalls = [];
    since = performance.now();
  });
}

if (process.env.BENCH_STALL_FILE) watch(process.env.BENCH_STALL_FILE);
