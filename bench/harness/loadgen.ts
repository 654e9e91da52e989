/**
 * The load generator, run as its own process so it never shares an event loop with what
 * it measures: `node -r scripts/ts-hook.js loadgen.ts PLAN_JSON OUT_FILE`. For each step it
 * signs a fresh pool of Stripe events, drives the URL (autocannon as fast as answers come,
 * or paced.ts at a fixed rate) and records the ids of events acknowledged with a 200, so
 * the caller can check they were all stored.
 */
import { writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { eventPool, type SignedEvent } from './events';
import { percentile, runPaced } from './paced';
import { cpuSeconds } from './processes';

export interface LoadStep {
  connections: number;
  durationS: number;
  /**
   * Requests per second over all connections, evenly spaced (paced.ts); absent means
   * as fast as answers come (autocannon).
   */
  overallRate?: number;
  /**
   * Requests to sign for this step (reused from the start if they run out); by default
   * enough for 1.3 times the best rate so far or the plan's expected rate.
   */
  poolSize?: number;
}

export interface LoadPlan {
  url: string;
  secret?: string;
  duplicateShare: number;
  /** Requests per second to size the first pool for. */
  expectedRate: number;
  steps: LoadStep[];
  /** Processes whose CPU use is reported per step (Linux), e.g. { runtime: pid }. */
  watch?: Record<string, number>;
  /** Where to write the acknowledged event ids, one per line. */
  acceptedFile?: string;
}

export interface Latency {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
}

export interface StepResult extends LoadStep {
  seconds: number;
  /** Requests sent, and answers received (the difference was in flight at the end or lost). */
  sent: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx answers per second. */
  okPerSecond: number;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  latency: Latency;
  poolSize: number;
  /** True when the step sent more requests than its pool held (extra repeats). */
  poolReused: boolean;
  /** Share of one core each watched process (and `loadgen`, this one) used during the step. */
  cpu: Record<string, number>;
}

function cpuNow(watch: Record<string, number>): Record<string, number | undefined> {
  const usage = process.cpuUsage();
  const readings: Record<string, number | undefined> = { loadgen: (usage.user + usage.system) / 1e6 };
  for (const [name, pid] of Object.entries(watch)) readings[name] = cpuSeconds(pid);
  return readings;
}

/** Hands out the pool's requests in order, from the start again when it runs out. */
function poolCursor(pool: SignedEvent[]) {
  let next = 0;
  let reused = false;
  return {
    take(): SignedEvent {
      if (next === pool.length) {
        next = 0;
        reused = true;
      }
      return pool[next++];
    },
    get reused() {
      return reused;
    },
  };
}

type Measured = Omit<StepResult, keyof LoadStep | 'okPerSecond' | 'statuses' | 'poolSize' | 'poolReused' | 'cpu'>;

/** As fast as answers come, over `connections` keep-alive connections. */
async function closedLoop(plan: LoadPlan, step: LoadStep, cursor: ReturnType<typeof poolCursor>, onAnswer: (status: number, id: string) => void): Promise<Measured> {
  const result = await autocannon({
    url: plan.url,
    method: 'POST',
    connections: step.connections,
    duration: step.durationS,
    timeout: 10,
    requests: [
      {
        // The context is autocannon's per-connection object: it carries the event id to the answer.
        setupRequest: (request: autocannon.Request, context: object) => {
          const event = cursor.take();
          (context as { id?: string }).id = event.id;
          return { ...request, method: 'POST', headers: event.headers, body: event.body };
        },
        onResponse: (status: number, _body: string, context: object) => onAnswer(status, (context as { id: string }).id),
      },
    ],
  });
  const { latency } = result;
  return {
    seconds: result.duration,
    sent: result.requests.sent,
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latency: { mean: latency.mean, p50: latency.p50, p90: latency.p90, p99: latency.p99, p99_9: latency.p99_9, max: latency.max },
  };
}

/** Evenly spaced requests at `rate`, latency counted from when each was due. */
async function openLoop(plan: LoadPlan, step: LoadStep, rate: number, cursor: ReturnType<typeof poolCursor>, onAnswer: (status: number, id: string) => void): Promise<Measured> {
  const result = await runPaced({
    url: plan.url,
    method: 'POST',
    rate,
    durationS: step.durationS,
    connections: step.connections,
    next: () => cursor.take(),
    onAnswer,
    drainTimeoutS: 10,
  });
  const sorted = result.latenciesMs.slice().sort();
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return {
    seconds: result.seconds,
    sent: result.sent,
    requests: result.answered,
    ok: result.ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latency: {
      mean,
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
      p99_9: percentile(sorted, 0.999),
      max: sorted[sorted.length - 1] ?? 0,
    },
  };
}

async function runStep(plan: LoadPlan, step: LoadStep, rate: number, accepted: Set<string>): Promise<StepResult> {
  const poolSize = step.poolSize ?? Math.ceil(rate * step.durationS * 1.3) + 100;
  const cursor = poolCursor(eventPool(poolSize, plan.duplicateShare, plan.secret));
  const statuses: Record<string, number> = {};
  const onAnswer = (status: number, id: string) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 200) accepted.add(id);
  };
  const cpuBefore = cpuNow(plan.watch ?? {});
  const measured = step.overallRate === undefined ? await closedLoop(plan, step, cursor, onAnswer) : await openLoop(plan, step, step.overallRate, cursor, onAnswer);
  const cpuAfter = cpuNow(plan.watch ?? {});
  const cpu: Record<string, number> = {};
  for (const [name, before] of Object.entries(cpuBefore)) {
    const after = cpuAfter[name];
    if (before !== undefined && after !== undefined) cpu[name] = (after - before) / measured.seconds;
  }
  return { ...step, ...measured, okPerSecond: measured.ok / measured.seconds, statuses, poolSize, poolReused: cursor.reused, cpu };
}

async function main(): Promise<void> {
  const [planJson, outFile] = process.argv.slice(2);
  const plan = JSON.parse(planJson) as LoadPlan;
  const accepted = new Set<string>();
  const steps: StepResult[] = [];
  let rate = plan.expectedRate;
  for (const step of plan.steps) {
    const result = await runStep(plan, step, step.overallRate ?? rate, accepted);
    // Pools only grow: a slow first step must not leave the next one short of fresh events.
    if (step.overallRate === undefined) rate = Math.max(rate, result.requests / result.seconds);
    steps.push(result);
  }
  if (plan.acceptedFile) writeFileSync(plan.acceptedFile, [...accepted].join('\n'));
  writeFileSync(outFile, JSON.stringify({ steps, accepted: accepted.size }));
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
