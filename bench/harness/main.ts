/**
 * `npm run bench`: every stage in one run, each writing bench/out/<stage>.json, then
 * docs/benchmarks.md and its chart rendered from those files. `BENCH_ONLY=ingest,physical`
 * (or `npm run bench -- ingest physical`) runs some stages; the others' last results are
 * still rendered, marked as earlier. `BENCH_QUICK=1` shortens every stage for development.
 * Every stage is bounded in time so the whole run stays under 15 minutes on 2 cores.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { createContext, writeResult, type BenchContext } from './context';
import { cpuPressure, prepareRuntime, REPO } from './processes';
import { render } from './render';
import { benchDefaultPath } from './stages/default-path';
import { benchDelivery } from './stages/delivery';
import { benchIngest } from './stages/ingest';
import { benchMemory } from './stages/memory';
import { benchN8n } from './stages/n8n';
import { benchPhysical } from './stages/physical';
import { benchReaders } from './stages/readers';
import { benchReconcile } from './stages/reconcile';

const quick = process.env.BENCH_QUICK === '1';

interface Stage {
  name: string;
  /** Whether it starts the runtime (which is then built first). */
  needsRuntime: boolean;
  run: (context: BenchContext) => Promise<unknown>;
}

const ingestTimes = { stepSeconds: quick ? 2 : 5, latencySeconds: quick ? 2 : 5, profileSeconds: quick ? 2 : 5 };

const STAGES: Stage[] = [
  { name: 'physical', needsRuntime: false, run: (context) => benchPhysical(context, { seconds: quick ? 0.5 : 2 }) },
  { name: 'ingest-sqlite', needsRuntime: true, run: (context) => benchIngest(context, 'sqlite', ingestTimes) },
  { name: 'ingest-redis', needsRuntime: true, run: (context) => benchIngest(context, 'redis', ingestTimes) },
  { name: 'n8n', needsRuntime: false, run: (context) => benchN8n(context, { stepSeconds: quick ? 3 : 5 }) },
  {
    name: 'default-path',
    needsRuntime: true,
    run: (context) => benchDefaultPath(context, { seconds: quick ? 3 : 8, rounds: quick ? 1 : 2, profileSeconds: quick ? 2 : 5, scaleOutSeconds: quick ? 3 : 8, drainSeconds: 60 }),
  },
  { name: 'delivery', needsRuntime: true, run: (context) => benchDelivery(context, { backlog: quick ? 10_000 : 100_000, workers: [1, 2, 4], drainSeconds: quick ? 20 : 30 }) },
  { name: 'memory', needsRuntime: true, run: (context) => benchMemory(context, { backlog: quick ? 50_000 : 1_000_000, sampleSeconds: quick ? 5 : 12, fillSeconds: quick ? 30 : 240 }) },
  { name: 'readers', needsRuntime: true, run: (context) => benchReaders(context, { deadLetters: 10_000, ackRate: 200, phaseSeconds: quick ? 5 : 15 }) },
  { name: 'reconcile', needsRuntime: false, run: (context) => benchReconcile(context, { sizes: quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000] }) },
];

function selected(): Stage[] {
  const named = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const only = (named.length > 0 ? named : (process.env.BENCH_ONLY ?? '').split(',')).map((name) => name.trim()).filter(Boolean);
  if (only.length === 0) return STAGES;
  const unknown = only.filter((name) => !STAGES.some((stage) => stage.name === name || stage.name.startsWith(`${name}-`)));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown stage ${unknown.join(', ')}; stages: ${STAGES.map((stage) => stage.name).join(', ')}`);
  return STAGES.filter((stage) => only.some((name) => stage.name === name || stage.name.startsWith(`${name}-`)));
}

/** "commit abc1234" or "commit abc1234 plus uncommitted changes in runtime, core", from git when there is one. */
function codeMeasured(): string | undefined {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: REPO, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return undefined;
  const changed = git('status', '--porcelain', '--', 'core', 'runtime', 'nodes', 'bench').stdout.split('\n').filter(Boolean);
  const folders = [...new Set(changed.map((line) => line.slice(3).split('/')[0]))];
  return `commit ${head.stdout.trim()}${folders.length > 0 ? ` plus uncommitted changes in ${folders.join(', ')}` : ''}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const stages = selected();
  const runtime = stages.some((stage) => stage.needsRuntime) ? prepareRuntime() : { entry: [], how: 'not started' };
  const context = createContext(runtime.entry);
  writeResult('machine', {
    at: new Date().toISOString(),
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: totalmem() / 2 ** 30,
    loadAverageAtStart: loadavg(),
    cpuPressureAtStart: cpuPressure(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    runtimeFrom: runtime.how,
    code: codeMeasured(),
    quick,
  });
  const failures: string[] = [];
  for (const stage of stages) {
    const stageStart = Date.now();
    console.log(`\n== ${stage.name} (load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}, CPU pressure ${cpuPressure() ?? 'n/a'})`);
    try {
      const result = await stage.run(context);
      writeResult(stage.name, { at: new Date().toISOString(), seconds: (Date.now() - stageStart) / 1000, loadAverage: loadavg()[0], cpuPressure: cpuPressure(), result });
    } catch (error) {
      failures.push(stage.name);
      console.error(`stage ${stage.name} failed:`, error);
      writeResult(stage.name, { at: new Date().toISOString(), seconds: (Date.now() - stageStart) / 1000, error: (error as Error).message });
    }
    console.log(`== ${stage.name} took ${((Date.now() - stageStart) / 1000).toFixed(0)} s`);
  }
  writeResult('run', { seconds: (Date.now() - started) / 1000, stages: stages.map((stage) => stage.name), failures });
  render();
  console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(0)} s; docs/benchmarks.md rewritten`);
  if (failures.length > 0) process.exitCode = 1;
}

void main();
