import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../processes';

/**
 * Reconciliation at 10,000 / 100,000 / 1,000,000: runs bench/reconcile.ts through its own
 * runner (bench/run.js, a fresh process with a large heap) and keeps what it prints: its
 * table verbatim for the docs, and each row's size and total time for the targets.
 */
export interface ReconcileResult {
  /** The lines bench/reconcile.ts printed (its table, growth and outcome lines). */
  lines: string[];
  rows: Array<{ size: number; totalMs: number; cells: Record<string, string> }>;
}

const number = (text: string) => Number(text.replace(/[,\s]/g, ''));

function parseTable(lines: string[]): ReconcileResult['rows'] {
  const header = lines.find((line) => /^\|\s*payments/i.test(line));
  if (!header) return [];
  const columns = header.split('|').slice(1, -1).map((cell) => cell.trim());
  const sizeColumn = 0;
  const totalColumn = columns.findIndex((name) => /^total/i.test(name));
  return lines
    .filter((line) => /^\|\s*[\d,]+\s*\|/.test(line))
    .map((line) => {
      const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
      return {
        size: number(cells[sizeColumn]),
        totalMs: number(cells[totalColumn]),
        cells: Object.fromEntries(columns.map((name, index) => [name, cells[index]])),
      };
    });
}

export async function benchReconcile(options: { sizes: number[] }): Promise<ReconcileResult> {
  const run = spawnSync(process.execPath, [join(REPO, 'bench', 'run.js'), 'reconcile', `--sizes=${options.sizes.join(',')}`], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stdout.write(run.stdout ?? '');
  if (run.status !== 0) throw new Error(`bench/reconcile.ts failed (exit ${run.status}): ${run.stderr}`);
  const lines = (run.stdout ?? '').split('\n').filter((line) => line.trim() && !line.startsWith('## '));
  const rows = parseTable(lines);
  if (rows.length === 0) throw new Error('bench/reconcile.ts printed no table');
  return { lines, rows };
}
