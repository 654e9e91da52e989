import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReconcileBenchRun } from '../../reconcile';
import type { BenchContext } from '../context';
import { REPO } from '../processes';

/**
 * Reconciliation at 10,000 / 100,000 / 1,000,000 payments against as many invoices:
 * bench/reconcile.ts's measurement, run in a fresh process with a large heap.
 */
export interface ReconcileResult {
  runs: ReconcileBenchRun[];
}

export async function benchReconcile(context: BenchContext, options: { sizes: number[] }): Promise<ReconcileResult> {
  const outFile = join(context.workDir, 'reconcile.json');
  const run = spawnSync(
    process.execPath,
    ['--max-old-space-size=8192', '--expose-gc', '-r', join(REPO, 'scripts', 'ts-hook.js'), join(__dirname, '..', 'reconcile-child.ts'), options.sizes.join(','), outFile],
    { stdio: 'inherit', timeout: 300_000 },
  );
  if (run.status !== 0) throw new Error(`bench/reconcile.ts failed (exit ${run.status ?? run.signal})`);
  const runs = JSON.parse(readFileSync(outFile, 'utf8')) as ReconcileBenchRun[];
  for (const entry of runs) console.log(`reconcile ${entry.size}: ${Math.round(entry.indexMs + entry.matchMs)} ms`);
  return { runs };
}
