import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './processes';
import type { IngestResult } from './stages/ingest';

/**
 * Redis commands per event on the code before ingress batched its Redis writes (issue 20),
 * measured by this same ingest stage against that commit's runtime and kept in
 * bench/redis-commands-before.json: the page compares this run's figures with it.
 */
interface RecordedBefore {
  commit: string;
  measuredAt: string;
  /** One-minute load average when it was measured (2 cores). */
  loadAverage: number;
  perEvent: Record<string, number>;
}

export const BEFORE_FILE = join(REPO, 'bench', 'redis-commands-before.json');

const total = (perEvent: Record<string, number>) => Object.values(perEvent).reduce((sum, calls) => sum + calls, 0);
const largest = (perEvent: Record<string, number>) =>
  Object.entries(perEvent)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, calls]) => `${name} ${calls.toFixed(1)}`)
    .join(', ');

/** Redis commands per event in this run and before the batching, from INFO commandstats (commands inside Lua scripts included). */
export function redisCommandsSection(ingest: IngestResult | undefined): string[] {
  const after = ingest?.redisCommandsPerRequest;
  const before = existsSync(BEFORE_FILE) ? (JSON.parse(readFileSync(BEFORE_FILE, 'utf8')) as RecordedBefore) : undefined;
  if (!after && !before) return [];
  const lines = [
    '### Redis commands per event',
    '',
    'From Redis\'s `INFO commandstats` over the profiled ingest run (best concurrency, 10% repeats), divided by the requests sent; commands run inside Lua scripts count one each, and the script call itself one more.',
    '',
    '| Code | Commands per event | Largest shares (per event) |',
    '| --- | ---: | --- |',
  ];
  if (before) {
    lines.push(`| before batching (commit ${before.commit}, measured ${before.measuredAt.slice(0, 10)}, load average ${before.loadAverage.toFixed(1)}) | ${total(before.perEvent).toFixed(1)} | ${largest(before.perEvent)} |`);
  }
  if (after) lines.push(`| this run | ${total(after).toFixed(1)} | ${largest(after)} |`);
  lines.push('');
  return lines;
}
