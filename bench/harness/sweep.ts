import { join } from 'node:path';
import type { StepResult } from './loadgen';
import { runLoad } from './processes';

/**
 * How an endpoint is measured, the same for the runtime and for n8n: a short warm-up,
 * then increasing concurrency as fast as answers come (the sustained rate is the best
 * step with every request acknowledged with a 2xx), then fixed rates below it for latency.
 */
export interface SweepOptions {
  url: string;
  name: string;
  workDir: string;
  expectedRate: number;
  connections: number[];
  stepSeconds: number;
  /** Shares of the sustained rate to measure latency at (none: skip). */
  latencyShares: number[];
  latencySeconds: number;
  watch?: Record<string, number>;
}

export interface LatencyPoint extends StepResult {
  share: number;
}

export interface SweepResult {
  sweep: StepResult[];
  /** 2xx answers per second of the best clean step; 0 when no step was clean. */
  sustained: number;
  bestConnections: number;
  latency: LatencyPoint[];
  /** Files of acknowledged event ids (one per load run). */
  acceptedFiles: string[];
}

export const DUPLICATE_SHARE = 0.1;

/** Every request answered 2xx, and only the planned share of repeats (a reused pool repeats more, and repeats are cheaper). */
const clean = (step: StepResult) => step.non2xx === 0 && step.errors === 0 && step.timeouts === 0 && step.ok > 0 && !step.poolReused;

export async function sweepEndpoint(options: SweepOptions): Promise<SweepResult> {
  const acceptedFiles = [join(options.workDir, `${options.name}.sweep.accepted`), join(options.workDir, `${options.name}.latency.accepted`)];
  const base = { url: options.url, duplicateShare: DUPLICATE_SHARE, watch: options.watch };
  const warmup = { connections: options.connections[0], durationS: 2 };
  const [, ...sweep] = await runLoad(
    {
      ...base,
      expectedRate: options.expectedRate,
      acceptedFile: acceptedFiles[0],
      steps: [warmup, ...options.connections.map((connections) => ({ connections, durationS: options.stepSeconds }))],
    },
    options.workDir,
    `${options.name}.sweep`,
  );
  const best = sweep.filter(clean).sort((a, b) => b.okPerSecond - a.okPerSecond)[0];
  const sustained = best?.okPerSecond ?? 0;
  const bestConnections = best?.connections ?? options.connections[0];
  let latency: LatencyPoint[] = [];
  if (sustained > 0 && options.latencyShares.length > 0) {
    const steps = options.latencyShares.map((share) => ({
      connections: Math.max(bestConnections, 32),
      durationS: options.latencySeconds,
      overallRate: Math.max(1, Math.round(sustained * share)),
    }));
    const results = await runLoad({ ...base, expectedRate: sustained, acceptedFile: acceptedFiles[1], steps }, options.workDir, `${options.name}.latency`);
    latency = results.map((result, index) => ({ ...result, share: options.latencyShares[index] }));
  }
  return { sweep, sustained, bestConnections, latency, acceptedFiles: latency.length > 0 ? acceptedFiles : acceptedFiles.slice(0, 1) };
}
