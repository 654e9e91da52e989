import type { SpikeRule } from './types';

export interface SpikeReading {
  /** False while too few buckets with traffic were seen to judge. */
  evaluated: boolean;
  /** Events in the current (partial) bucket. */
  current: number;
  /** The EWMA baseline of completed buckets. */
  baseline: number;
  /** The count the current bucket must exceed to be a spike. */
  limit: number;
  spike: boolean;
}

/**
 * An EWMA control chart over bucket counts (oldest first, current bucket last).
 *
 * The baseline mean and variance are exponentially weighted over the completed buckets;
 * the chart statistic z = λ·current + (1-λ)·mean is compared with the upper control limit
 * mean + k·σ·√(λ/(2-λ)). A sudden jump crosses it within one bucket, while a slow ramp is
 * absorbed by the moving baseline. σ never drops below √mean (counts are Poisson-like), so a
 * perfectly steady stream does not make every extra event a spike.
 */
export function ewmaSpike(counts: number[], rule: Pick<SpikeRule, 'lambda' | 'k' | 'minBuckets'>): SpikeReading {
  const { lambda, k } = rule;
  const current = counts[counts.length - 1] ?? 0;
  // Buckets before the source's first traffic are "no data", not "zero volume".
  const first = counts.findIndex((count) => count > 0);
  const completed = first === -1 ? [] : counts.slice(first, -1);
  if (completed.length < rule.minBuckets) {
    return { evaluated: false, current, baseline: 0, limit: 0, spike: false };
  }
  let mean = completed[0];
  let variance = 0;
  for (const count of completed.slice(1)) {
    const diff = count - mean;
    mean += lambda * diff;
    variance = (1 - lambda) * (variance + lambda * diff * diff);
  }
  const sigma = Math.max(Math.sqrt(variance), Math.sqrt(Math.max(mean, 1)));
  const halfWidth = k * sigma * Math.sqrt(lambda / (2 - lambda));
  // z > mean + halfWidth  <=>  current > mean + halfWidth / λ
  const limit = mean + halfWidth / lambda;
  return { evaluated: true, current, baseline: round2(mean), limit: round2(limit), spike: current > limit };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
