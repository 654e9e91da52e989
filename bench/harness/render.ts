import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLORS, drawChart, type Panel } from './chart';
import { readResult } from './context';
import { BODY_BYTES } from './events';
import { fixed, int, percent, yes } from './format';
import type { StepResult } from './loadgen';
import { REPO } from './processes';
import type { ProfileSummary } from './profile';
import type { DefaultPathResult } from './stages/default-path';
import type { DeliveryResult } from './stages/delivery';
import { STALL_MS, type IngestResult, type StorageMode } from './stages/ingest';
import type { MemoryResult } from './stages/memory';
import type { N8nResult } from './stages/n8n';
import type { PhysicalResult } from './stages/physical';
import type { ReconcileBenchRun } from '../reconcile';
import type { ReconcileResult } from './stages/reconcile';
import type { ReadersResult } from './stages/readers';
import { defaultPathBoundNotes, defaultPathProfiles, defaultPathSection, defaultPathTargetRows, WHERE_THE_TIME_GOES } from './render-default-path';
import { readersSection, readersTargetRows } from './render-readers';
import { redisCommandsSection } from './render-redis-commands';
import { DUPLICATE_SHARE } from './sweep';

/** Renders docs/benchmarks.md and docs/benchmarks.png from the JSON results in bench/out/. */
interface Stored<T> {
  at: string;
  seconds: number;
  loadAverage?: number;
  cpuPressure?: number;
  result?: T;
  error?: string;
}

interface Machine {
  at: string;
  cores: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  runtimeFrom: string;
  loadAverageAtStart: number[];
  cpuPressureAtStart?: number;
  quick: boolean;
  /** The commit measured, and whether the tree had changes not yet committed. */
  code?: string;
}

const TARGETS = { ingest: { redis: 10_000, sqlite: 5_000 }, p99Ms: 10, verifyOverHmac: 2, delivery2: 5_000, memoryGrowth: 1.25, reconcileMs: 10_000, runMinutes: 15 };

/** Every stage of `npm run bench` (bench/harness/main.ts): the whole-run row needs them all. */
const STAGE_COUNT = 9;

/** What the runtime's event-loop stalls were made of, in the watched repeat of the half-rate run. */
function watchedStalls(result: IngestResult, mode: StorageMode): string {
  const watched = result.stalls;
  if (!watched) return '';
  const head =
    ` In a repeat of that run with the event loop watched (bench/harness/stall-probe.ts; p99 ${fixed(watched.p99Ms)} ms there), it stalled ` +
    `${int(watched.count)} time${watched.count === 1 ? '' : 's'} for ${STALL_MS} ms or more in ${fixed(watched.seconds)} s`;
  if (watched.count === 0) return `${head}.`;
  const share = (ms: number) => percent(ms / watched.totalMs);
  return (
    `${head} (${int(watched.totalMs)} ms in all, the longest ${fixed(watched.longestMs)} ms); in those stalls the main thread ran on a core ${share(watched.onCpuMs)} ` +
    `of the time (garbage collection ${share(watched.gcMs)}), waited for a core held by other work ${share(watched.runQueueMs)}, and was blocked in system calls ` +
    `${share(watched.blockedMs)}${mode === 'sqlite' ? " (a commit's fsync)" : ''}.`
  );
}

/** "3,100 of 10,000 (31%; 3.2x short)" for a missed floor. */
function shortBy(measured: number, target: number): string {
  return `${percent(measured / target)} of the target, ${fixed(target / Math.max(measured, 1e-9))}x short`;
}

function load<T>(name: string): Stored<T> | undefined {
  return readResult<Stored<T>>(name);
}

function stageNote(stored: Stored<unknown> | undefined, runAt: string | undefined): string {
  if (!stored) return '_Not run._';
  const pressure = stored.cpuPressure !== undefined ? `, CPU pressure ${percent(stored.cpuPressure)}` : '';
  const stale = runAt && stored.at < runAt ? ' (from an earlier run)' : '';
  const timing = `_${stored.seconds.toFixed(0)} s, finished ${stored.at}${stale}; load average ${fixed(stored.loadAverage ?? 0)}${pressure}._`;
  return stored.error ? `**Failed:** ${stored.error}\n\n${timing}` : timing;
}

/** "0" or "9,730 (429: 9,730)": failed answers with their statuses, plus socket errors. */
function failures(step: StepResult): string {
  const byStatus = Object.entries(step.statuses ?? {}).filter(([status]) => !status.startsWith('2'));
  const errors = step.errors + step.timeouts;
  const parts = [
    ...byStatus.map(([status, count]) => `${status}: ${int(count)}`),
    ...(errors > 0 ? [`errors: ${int(errors)}`] : []),
    ...(step.poolReused ? ['pool ran out (extra repeats; step not counted)'] : []),
  ];
  return parts.length === 0 ? '0' : parts.join(', ');
}

function cpuCell(step: StepResult, name: string): string {
  return step.cpu[name] !== undefined ? percent(step.cpu[name]) : '–';
}

function profileSection(label: string, profile: ProfileSummary | undefined): string[] {
  if (!profile) return [];
  return [
    `**${label}** (${fixed(profile.busySeconds)} s on CPU, idle ${percent(profile.idleShare)} of the sampled time). Self time by area: ` +
      profile.areas.slice(0, 8).map((area) => `${area.area} ${percent(area.share)}`).join(', ') +
      '. Top functions: ' +
      profile.functions.slice(0, 8).map((entry) => `\`${entry.name}\` ${percent(entry.share)}`).join(', ') +
      '.',
    '',
  ];
}

const topAreas = (profile: ProfileSummary | undefined) =>
  profile ? profile.areas.slice(0, 4).map((area) => `${area.area} ${percent(area.share)}`).join(', ') : 'no profile';

/** Facts about the limiting resource at each measured limit: who had a core, who waited. */
function boundNotes(
  ingest: Partial<Record<StorageMode, Stored<IngestResult>>>,
  delivery: Stored<DeliveryResult> | undefined,
  physical: Stored<PhysicalResult> | undefined,
  reconcileRuns: ReconcileBenchRun[],
): string[] {
  const notes: string[] = [];
  for (const mode of ['redis', 'sqlite'] as StorageMode[]) {
    const stored = ingest[mode];
    const result = stored?.result;
    const best = result?.sweep.sweep.find((step) => step.connections === result.sweep.bestConnections);
    if (!result || !best) continue;
    const runtime = best.cpu.runtime ?? 0;
    const busy = Object.values(best.cpu).reduce((sum, share) => sum + share, 0);
    const pressure = stored.cpuPressure !== undefined ? `; CPU pressure during the stage ${percent(stored.cpuPressure)}` : '';
    const loopBusy = result.profile !== undefined && result.profile.idleShare < 0.1;
    const verdict =
      runtime >= 0.85
        ? 'its event loop is saturated, so ingest is CPU-bound in the runtime process'
        : loopBusy
          ? `its event loop was never idle under the profiler, yet the process used ${percent(runtime)} of a core: it is blocked in synchronous calls (${result.profile!.areas[0]?.area}: synchronous storage commits waiting for the disk on the event loop thread)`
          : `no process had a whole core (${fixed(busy, 2)} of ${machineCores()} cores busy in total), so requests wait` +
          `${stored.cpuPressure !== undefined && stored.cpuPressure > 0.5 ? ' for cores held by other work on the machine and' : ''} on storage round trips`;
    const commits = physical?.result?.sqliteCommitsPerSecond;
    const ceiling =
      mode === 'sqlite' && commits
        ? ` A bare single-row commit (one fsync) takes ${fixed(1e6 / commits, 0)} µs on this disk, ${int(commits)}/s: storage that commits once per event cannot pass that rate, whatever the CPU.`
        : '';
    const alone = mode === 'sqlite' ? physical?.result?.sqliteCommitMs : physical?.result?.redisWriteMs;
    const floor = alone
      ? ` A lone durable write (${mode === 'sqlite' ? 'a one-row commit' : 'a SET with appendfsync always'}), one at a time on this machine, took p50 ${fixed(alone.p50, 2)} ms, ` +
        `p99 ${fixed(alone.p99, 2)} ms, p99.9 ${fixed(alone.p99_9, 2)} ms, at most ${fixed(alone.max)} ms: every request waits for the write that holds its event.`
      : '';
    const pauses = result.redisPauses;
    const stalls = pauses
      ? ` Redis's own latency monitor, over the sweep and the latency runs: ${
          Object.keys(pauses.longestMs).length > 0
            ? `its main thread stalled for up to ${Object.entries(pauses.longestMs).sort((a, b) => b[1] - a[1]).map(([event, ms]) => `${int(ms)} ms in ${event}`).join(', ')}`
            : 'no stall of its main thread reached 5 ms'
        }; it rewrote its append-only file ${int(pauses.aofRewrites)} time${pauses.aofRewrites === 1 ? '' : 's'} in the background (a fork, and the whole dataset written to the same disk).`
      : '';
    const perCommand = Object.entries(result.redisCommandsPerRequest ?? {});
    const commands =
      perCommand.length > 0
        ? ` Redis ran ${fixed(perCommand.reduce((sum, [, calls]) => sum + calls, 0))} commands per request (those inside Lua scripts included: ` +
          `${perCommand.slice(0, 10).map(([name, calls]) => `${name} ${fixed(calls)}`).join(', ')}); with appendfsync always it answers a write only once it is on disk.`
        : '';
    const idle = result.profile && !loopBusy ? `; under the profiler the event loop was idle ${percent(result.profile.idleShare)} of the time` : '';
    const half = result.sweep.latency.find((point) => point.share === 0.5);
    const tail =
      half && result.floor
        ? ` At half the sustained rate (${int(half.overallRate ?? 0)} events/s) p99 was ${fixed(half.latency.p99)} ms; a bare HTTP server that answers at once, under the same load right after, ` +
          `had p99 ${fixed(result.floor.latency.p99)} ms (p50 ${fixed(result.floor.latency.p50, 2)} ms): ${
            result.floor.latency.p99 >= TARGETS.p99Ms
              ? `the floor alone is at or above the ${TARGETS.p99Ms} ms goal on this machine`
              : `the runtime's p99 is ${fixed(half.latency.p99 - result.floor.latency.p99)} ms above that floor`
          }.`
        : '';
    notes.push(
      `- **Ingest, ${mode}**: at the best step (${best.connections} connections) the runtime used ${percent(runtime)} of a core` +
        `${best.cpu.redis !== undefined ? `, Redis ${percent(best.cpu.redis)}` : ''}, the load generator ${percent(best.cpu.loadgen ?? 0)}${pressure}: ${verdict}${idle}. ` +
        `Self time by area: ${topAreas(result.profile)}.${ceiling}${commands}${floor}${stalls}${tail}${watchedStalls(result, mode)}`,
    );
  }
  const profile = delivery?.result?.profile;
  const two = delivery?.result?.runs.find((entry) => entry.workers === 2);
  if (two?.cpu) {
    const pressure = delivery?.cpuPressure !== undefined ? `; CPU pressure during the stage ${percent(delivery.cpuPressure)}` : '';
    notes.push(
      `- **Delivery, 2 workers**: the workers used ${two.cpu.workers === undefined ? '?' : fixed(two.cpu.workers, 2)} cores together, Redis ${two.cpu.redis === undefined ? '?' : percent(two.cpu.redis)} of one, ` +
        `the destination ${percent(two.cpu.destination)}${pressure}. ` +
        (profile ? `The profiled 1-worker run: event loop idle ${percent(profile.idleShare)} of the time; self time by area: ${topAreas(profile)}.` : ''),
    );
  }
  const million = reconcileRuns.find((entry) => entry.size === 1_000_000);
  if (million) {
    const wall = million.indexMs + million.matchMs;
    notes.push(
      `- **Reconciliation of 1,000,000**: ${fixed(wall / 1000)} s wall, ${fixed(million.cpuMs / 1000)} s of CPU` +
        `${wall > million.cpuMs * 1.3 ? ' (the rest waiting for a core)' : ''}, heap ${int(million.heapMb)} MB.`,
    );
  }
  if (physical?.result) {
    const result = physical.result;
    notes.push(
      `- **Verification**: ${fixed(result.verifyMicros, 2)} µs per event against ${fixed(result.hmacMicros, 2)} µs for the bare HMAC; ` +
        `the other ${fixed(result.verifyMicros - result.hmacMicros, 2)} µs are the work around it (finding and splitting the header, decoding the signature, the timestamp window, the constant-time compare, and the async call).`,
    );
  }
  return notes;
}

let cores = 2;
const machineCores = () => cores;

export function render(): void {
  const machine = readResult<Machine>('machine');
  cores = machine?.cores ?? cores;
  const run = readResult<{ seconds: number; stages: string[]; failures: string[] }>('run');
  const runAt = machine?.at;
  const ingest: Partial<Record<StorageMode, Stored<IngestResult>>> = { sqlite: load('ingest-sqlite'), redis: load('ingest-redis') };
  const n8n = load<N8nResult>('n8n');
  const physical = load<PhysicalResult>('physical');
  const delivery = load<DeliveryResult>('delivery');
  const memory = load<MemoryResult>('memory');
  const reconcile = load<ReconcileResult>('reconcile');
  const readers = load<ReadersResult>('readers');
  const defaultPath = load<DefaultPathResult>('default-path');
  const n8nResult = n8n?.result && !('skipped' in n8n.result) ? n8n.result : undefined;

  const lines: string[] = [
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench` (bench/harness/); edit the renderer, not this file. -->',
    '',
    `Measured by \`npm run bench\` on ${runAt ?? 'an unknown date'}, in ${run ? `${fixed(run.seconds / 60)} minutes` : 'an unknown time'}` +
      `${machine?.quick ? ' (**quick mode**: shortened stages, not for comparison)' : ''}.`,
    '',
    '## Machine',
    '',
    machine
      ? `${machine.cores} cores (${machine.cpuModel}), ${fixed(machine.memoryGb)} GiB memory, Node ${machine.node}, ${machine.platform}. ` +
        `Load average at the start ${machine.loadAverageAtStart.map((value) => fixed(value)).join(' / ')}` +
        `${machine.cpuPressureAtStart !== undefined ? `, CPU pressure ${percent(machine.cpuPressureAtStart)} (share of the last minute some task waited for a core)` : ''}. ` +
        `The load generator (autocannon, and bench/harness/paced.ts for fixed rates, in its own process), the runtime (${machine.runtimeFrom}, a child process), Redis and n8n all share these cores over loopback.` +
        `${machine.code ? ` Code measured: ${machine.code}.` : ''}` +
        (machine.cpuPressureAtStart !== undefined && machine.cpuPressureAtStart > 0.5
          ? ' **The machine was busy with other work during this run** (see the CPU pressure noted under each stage): the figures are lower bounds for this hardware, and each stage\'s CPU accounting below separates what the benchmarked processes used from what they waited for.'
          : '')
      : '_Unknown._',
    '',
    '![Throughput and acknowledgement latency](benchmarks.png)',
    '',
  ];

  // Targets.
  const targetRows: string[] = [];
  for (const mode of ['redis', 'sqlite'] as StorageMode[]) {
    const result = ingest[mode]?.result;
    if (!result) continue;
    const target = TARGETS.ingest[mode];
    const met = result.sweep.sustained >= target;
    targetRows.push(`| Ingest, ${mode} | ≥ ${int(target)} events/s | ${int(result.sweep.sustained)} events/s | ${yes(met)} | ${met ? '' : shortBy(result.sweep.sustained, target)} |`);
  }
  for (const mode of ['redis', 'sqlite'] as StorageMode[]) {
    const half = ingest[mode]?.result?.sweep.latency.find((point) => point.share === 0.5);
    if (!half) continue;
    const met = half.latency.p99 < TARGETS.p99Ms;
    const floor = ingest[mode]?.result?.floor;
    const floorNote = floor ? ` (a bare HTTP server under the same load: ${fixed(floor.latency.p99)} ms)` : '';
    targetRows.push(
      `| p99 acknowledgement at half the sustained rate, ${mode} | < ${TARGETS.p99Ms} ms | ${fixed(half.latency.p99)} ms at ${int(half.okPerSecond)} events/s${floorNote} | ${yes(met)} | ${met ? '' : `${fixed(half.latency.p99 / TARGETS.p99Ms)}x the limit`} |`,
    );
  }
  if (physical?.result) {
    const ratio = physical.result.verifyOverHmac;
    targetRows.push(`| Verification cost over a bare HMAC-SHA256 | ≤ ${TARGETS.verifyOverHmac}x | ${fixed(ratio, 2)}x | ${yes(ratio <= TARGETS.verifyOverHmac)} | ${ratio <= TARGETS.verifyOverHmac ? '' : `${percent(ratio / TARGETS.verifyOverHmac - 1)} over`} |`);
  }
  const two = delivery?.result?.runs.find((entry) => entry.workers === 2);
  // (A delivery run that did not drain in time still reports its rate over the time it had.)
  if (two) {
    const met = two.perSecond >= TARGETS.delivery2;
    targetRows.push(`| Delivery from backlog, 2 workers | ≥ ${int(TARGETS.delivery2)} events/s | ${int(two.perSecond)} events/s | ${yes(met)} | ${met ? '' : shortBy(two.perSecond, TARGETS.delivery2)} |`);
  }
  if (memory?.result) {
    const { growth, phases } = memory.result;
    const met = growth <= TARGETS.memoryGrowth;
    targetRows.push(
      `| Memory with ${int(phases[1].backlog)} queued | flat (≤ ${TARGETS.memoryGrowth}x the small-backlog peak) | ${fixed(phases[1].peakRssMb, 0)} MB vs ${fixed(phases[0].peakRssMb, 0)} MB (${fixed(growth, 2)}x) | ${yes(met)} | |`,
    );
  }
  const million = reconcile?.result?.runs.find((entry) => entry.size === 1_000_000);
  if (million) {
    const totalMs = million.indexMs + million.matchMs;
    const met = totalMs < TARGETS.reconcileMs;
    targetRows.push(`| Reconciliation of 1,000,000 | < 10 s | ${fixed(totalMs / 1000)} s | ${yes(met)} | ${met ? '' : `${fixed(totalMs / TARGETS.reconcileMs)}x the limit`} |`);
  }
  targetRows.push(
    ...defaultPathTargetRows(defaultPath?.result, {
      ingest: { sqlite: ingest.sqlite?.result, redis: ingest.redis?.result },
      n8nWebhookNode: n8nResult?.webhookNode.sustained,
    }),
  );
  targetRows.push(...readersTargetRows(readers?.result));
  if (run && run.stages.length === STAGE_COUNT) {
    const minutes = run.seconds / 60;
    targetRows.push(`| Whole \`npm run bench\` | < ${TARGETS.runMinutes} min | ${fixed(minutes)} min | ${yes(minutes < TARGETS.runMinutes)} | |`);
  }
  lines.push('## Targets', '', '| Target | Goal | Measured | Met | Short by |', '| --- | --- | --- | --- | --- |', ...targetRows, '');
  const bounds = [...boundNotes(ingest, delivery, physical, reconcile?.result?.runs ?? []), ...defaultPathBoundNotes(defaultPath?.result, topAreas)];
  if (bounds.length > 0) lines.push('What bounds the figures, from this run\'s CPU accounting and profiles:', '', ...bounds, '');

  // Ingest.
  lines.push(
    '## Runtime ingest',
    '',
    `Signed Stripe \`payment_intent.succeeded\` events (${int(BODY_BYTES)}-byte bodies, signed with the \`stripe\` SDK's \`generateTestHeaderString\` just before each step, ` +
      `${percent(DUPLICATE_SHARE)} of requests repeating an earlier event byte for byte) POSTed to \`/webhooks/stripe\` of a runtime started with \`--role ingress\` ` +
      '(so nothing is delivered meanwhile), its per-address rate limit lifted (all the load comes from one loopback address). A 200 means the event was verified, deduplicated and durably stored. The sustained rate is the best step at which every request got a 2xx; ' +
      'latency is then measured at fixed rates of 25%, 50% and 90% of it, open loop: request i is due at i / rate (not in per-second bursts, as autocannon sends a rate), ' +
      'and its latency runs from when it was due, so a stall counts against every request it delays (no coordinated omission).',
    '',
    '| Storage | Connections | 2xx/s | p50 ms | p99 ms | p99.9 ms | Failed | Runtime CPU | Redis CPU | Load generator CPU |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const mode of ['sqlite', 'redis'] as StorageMode[]) {
    for (const step of ingest[mode]?.result?.sweep.sweep ?? []) {
      lines.push(
        `| ${mode} | ${step.connections} | ${int(step.okPerSecond)} | ${fixed(step.latency.p50)} | ${fixed(step.latency.p99)} | ${fixed(step.latency.p99_9)} | ${failures(step)} | ${cpuCell(step, 'runtime')} | ${cpuCell(step, 'redis')} | ${cpuCell(step, 'loadgen')} |`,
      );
    }
  }
  lines.push('', '| Storage | Share of sustained | Offered events/s | 2xx/s | p50 ms | p99 ms | p99.9 ms | Failed |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const mode of ['sqlite', 'redis'] as StorageMode[]) {
    for (const point of ingest[mode]?.result?.sweep.latency ?? []) {
      lines.push(
        `| ${mode} | ${percent(point.share)} | ${int(point.overallRate ?? 0)} | ${int(point.okPerSecond)} | ${fixed(point.latency.p50)} | ${fixed(point.latency.p99)} | ${fixed(point.latency.p99_9)} | ${failures(point)} |`,
      );
    }
    const floor = ingest[mode]?.result?.floor;
    if (floor) {
      lines.push(
        `| bare HTTP server, after ${mode} | 50% of ${mode}'s | ${int(floor.overallRate ?? 0)} | ${int(floor.okPerSecond)} | ${fixed(floor.latency.p50)} | ${fixed(floor.latency.p99)} | ${fixed(floor.latency.p99_9)} | ${failures(floor)} |`,
      );
    }
  }
  if ((['sqlite', 'redis'] as StorageMode[]).some((mode) => ingest[mode]?.result?.floor)) {
    lines.push(
      '',
      "The bare HTTP server (bench/harness/bare-server.ts) is the floor: Node's own HTTP server in a process of its own, answering 200 at once without verifying or storing anything, " +
        "under the same paced load (generator, rate, connections, signed events) right after the runtime's half-rate run. What it shows is what the machine and the load generator add to every request.",
    );
  }
  lines.push('');
  for (const mode of ['sqlite', 'redis'] as StorageMode[]) {
    const stored = ingest[mode];
    const result = stored?.result;
    if (result) {
      lines.push(
        `- **${mode}** (${result.durability}): ${int(result.check.acknowledged)} distinct events acknowledged with a 200, ${int(result.check.stored)} found in storage with their delivery job afterwards` +
          `${result.check.missing === 0 ? ' (none missing)' : ` — **${int(result.check.missing)} missing**`}. Runtime RSS after the run ${fixed(result.rssMb, 0)} MB. ${stageNote(stored, runAt)}`,
      );
    } else lines.push(`- **${mode}**: ${stageNote(stored, runAt)}`);
  }
  lines.push('');
  lines.push(...redisCommandsSection(ingest.redis?.result));

  lines.push(...defaultPathSection(defaultPath?.result, { note: stageNote(defaultPath, runAt), cores: machineCores() }));
  lines.push(...readersSection(readers?.result, stageNote(readers, runAt)));

  // n8n.
  lines.push('## Baseline: n8n in the same run', '');
  if (n8nResult) {
    const ratio = (mode: StorageMode) => {
      const sustained = ingest[mode]?.result?.sweep.sustained;
      return sustained ? `${fixed(sustained / n8nResult.webhookNode.sustained)}x` : '–';
    };
    lines.push(
      `n8n ${n8nResult.version} (the end-to-end install, SQLite, defaults of the e2e harness) with our package installed as n8n installs community packages, receiving the same signed load at the same concurrency steps. ` +
        'Both workflows answer at once (`responseMode: onReceived`) and continue to a No Op.',
      '',
      '| Receiver | Connections | Sent | 2xx/s | p50 ms | p99 ms | Failed |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const [label, sweep] of [['Webhook node', n8nResult.webhookNode], ['Payment Webhook Trigger', n8nResult.trigger]] as const) {
      for (const step of sweep.sweep) {
        lines.push(`| ${label} | ${step.connections} | ${int(step.sent ?? step.requests)} | ${int(step.okPerSecond)} | ${fixed(step.latency.p50)} | ${fixed(step.latency.p99)} | ${failures(step)} |`);
      }
    }
    lines.push(
      '',
      `Sustained: Webhook node ${int(n8nResult.webhookNode.sustained)}/s, Payment Webhook Trigger ${int(n8nResult.trigger.sustained)}/s. ` +
        `**Ratios:** runtime (Redis) / n8n Webhook node = ${ratio('redis')}, runtime (SQLite) / n8n Webhook node = ${ratio('sqlite')}, ` +
        `Payment Webhook Trigger / Webhook node = ${fixed(n8nResult.triggerOverWebhook, 2)}x (the trigger also verifies and normalises). ${stageNote(n8n, runAt)}`,
      '',
    );
  } else {
    const skipped = n8n?.result && 'skipped' in n8n.result ? `Skipped: ${n8n.result.skipped}.` : '';
    lines.push(`${skipped} ${stageNote(n8n, runAt)}`.trim(), '');
  }

  // Physical limit.
  lines.push('## Physical limit', '');
  if (physical?.result) {
    const result = physical.result;
    lines.push(
      'HMAC and verification are timed on the process\'s CPU clock (so waiting for a core does not count), Redis and SQLite on the wall clock (they wait for the disk).',
      '',
      '| Operation | Per second (one core) | Per event |',
      '| --- | ---: | ---: |',
      `| Bare HMAC-SHA256 over the ${int(result.bodyBytes)} bytes Stripe signs (\`crypto.createHmac\`) | ${int(result.hmacPerSecond)} | ${fixed(result.hmacMicros, 2)} µs |`,
      `| Our Stripe verification of the same request (header parsing, timestamp window, constant-time compare) | ${int(result.verifyPerSecond)} | ${fixed(result.verifyMicros, 2)} µs |`,
      `| Bare Redis \`SET key 1 PX … NX\`, pipelines of ${int(result.redisPipelineDepth)}, appendfsync always | ${int(result.redisSetNxPerSecond)} | ${fixed(1e6 / result.redisSetNxPerSecond, 2)} µs |`,
      ...(result.sqliteCommitsPerSecond
        ? [`| Bare SQLite commit of one ${int(result.bodyBytes)}-byte row (WAL, synchronous FULL, same disk as the runtime's data) | ${int(result.sqliteCommitsPerSecond)} | ${fixed(1e6 / result.sqliteCommitsPerSecond, 0)} µs |`]
        : []),
      '',
      ...(result.sqliteCommitMs && result.redisWriteMs
        ? [
            '| A lone durable write, one after another | p50 ms | p99 ms | p99.9 ms | max ms |',
            '| --- | ---: | ---: | ---: | ---: |',
            ...([['SQLite commit of one row (fsync)', result.sqliteCommitMs], ['Redis `SET … NX`, appendfsync always', result.redisWriteMs]] as const).map(
              ([name, latency]) => `| ${name} | ${fixed(latency.p50, 2)} | ${fixed(latency.p99, 2)} | ${fixed(latency.p99_9, 2)} | ${fixed(latency.max)} |`,
            ),
            '',
          ]
        : []),
      `Verification costs ${fixed(result.verifyOverHmac, 2)}x the bare HMAC. ${stageNote(physical, runAt)}`,
      '',
    );
  } else lines.push(stageNote(physical, runAt), '');

  // Delivery.
  lines.push('## Delivery from a backlog (Redis mode)', '');
  if (delivery?.result) {
    const result = delivery.result;
    lines.push(
      `${int(result.backlog)} canonical events queued through the runtime's own storage code, then \`payment-webhooks start --role worker\` processes deliver them ` +
        `(Standard Webhooks signed) to a loopback destination that answers 200 at once. ${result.durability}. Rate from the first delivery to the last.`,
      '',
      '| Workers | Concurrency per worker | Delivered | Repeats | Seconds | Events/s | Peak worker RSS | CPU: workers / Redis / destination |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...result.runs.map(
        (entry) =>
          `| ${entry.workers} | ${entry.concurrencyPerWorker} | ${int(entry.delivered)}${entry.drained ? '' : ' (not drained in time)'} | ${int(entry.repeated)} | ${fixed(entry.seconds)} | ${int(entry.perSecond)} | ${fixed(entry.peakWorkerRssMb, 0)} MB | ${[entry.cpu?.workers, entry.cpu?.redis, entry.cpu?.destination].map((value) => (value === undefined ? '–' : percent(value))).join(' / ')} |`,
      ),
      '',
      stageNote(delivery, runAt),
      '',
    );
  } else lines.push(stageNote(delivery, runAt), '');

  // Memory.
  lines.push('## Memory under backlog', '');
  if (memory?.result) {
    lines.push(
      'One runtime process (ingress and worker, Redis mode) started on a queue already holding the backlog, delivering to a loopback destination; RSS sampled every half second. ' +
        'This Redis does not persist (only memory is measured). The small backlog is a tenth of the large one, so the process is still delivering at full speed when sampling ends in both phases: they differ only in what waits in Redis.',
      '',
      '| Queued at start | Peak RSS | RSS first → last sample | Delivered while sampled | Still queued |',
      '| ---: | ---: | ---: | ---: | ---: |',
      ...memory.result.phases.map(
        (phase) =>
          `| ${int(phase.backlog)} | ${fixed(phase.peakRssMb, 0)} MB | ${fixed(phase.samples[0]?.[1] ?? 0, 0)} → ${fixed(phase.samples[phase.samples.length - 1]?.[1] ?? 0, 0)} MB | ${int(phase.delivered)} | ${int(phase.remaining)} |`,
      ),
      '',
      stageNote(memory, runAt),
      '',
    );
  } else lines.push(stageNote(memory, runAt), '');

  // Reconciliation.
  lines.push('## Reconciliation', '');
  const runs = reconcile?.result?.runs ?? [];
  if (runs.length > 0) {
    const [first] = runs;
    const total = (entry: ReconcileBenchRun) => entry.indexMs + entry.matchMs;
    const last = runs[runs.length - 1];
    lines.push(
      'N payments against N open invoices with `core/reconcile` (`bench/reconcile.ts`, in a fresh Node process; the ladder is described in [reconciliation.md](reconciliation.md)). ' +
        'The data comes from a fixed seed and takes every rung of the ladder: 40% of payments carry the gateway\'s invoice id, 20% a reference in another spelling ("inv 00012345"), ' +
        '10% the number inside a memo, 5% a typo, 10% only amount and customer, 5% half the amount, 5% are redeliveries of earlier payments and 5% match nothing. ' +
        'Invoices have five per customer, three currencies (USD, EUR, JPY); the tolerance is 50 minor units or 10 basis points. ' +
        'Every rung is a hash look-up or a scan of one customer\'s invoices, so no payment is compared with every invoice: the time per payment should stay flat as N grows. ' +
        'On a busy machine the process\'s CPU time is the steadier figure; the target is on wall time.',
      '',
      '| Payments x invoices | Index (ms) | Match (ms) | Wall total (ms) | CPU (ms) | Wall µs per payment | CPU µs per payment | Heap (MB) |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...runs.map(
        (entry) =>
          `| ${int(entry.size)} | ${int(entry.indexMs)} | ${int(entry.matchMs)} | ${int(total(entry))} | ${int(entry.cpuMs)} | ${fixed((total(entry) * 1000) / entry.size)} | ${fixed((entry.cpuMs * 1000) / entry.size)} | ${int(entry.heapMb)} |`,
      ),
      '',
      ...runs
        .slice(1)
        .map(
          (entry) =>
            `- ${int(first.size)} → ${int(entry.size)}: ${int(entry.size / first.size)}x the data took ${fixed(total(entry) / total(first))}x the time (${fixed(entry.cpuMs / first.cpuMs)}x the CPU time).`,
        ),
      `- Outcomes at ${int(last.size)}: ${Object.entries(last.outcomes).map(([outcome, count]) => `${outcome} ${int(count ?? 0)}`).join(', ')}.`,
      `- Matched by: ${Object.entries(last.tiers).map(([tier, count]) => `${tier} ${int(count ?? 0)}`).join(', ')}.`,
      '',
      stageNote(reconcile, runAt),
      '',
    );
  } else lines.push(stageNote(reconcile, runAt), '');

  // Profiles.
  const profiles = [
    ...(['sqlite', 'redis'] as StorageMode[]).flatMap((mode) => profileSection(`Runtime ingest, ${mode}`, ingest[mode]?.result?.profile)),
    ...defaultPathProfiles(defaultPath?.result).flatMap((entry) => profileSection(entry.label, entry.profile)),
  ];
  if (profiles.length > 0) {
    lines.push(
      '## Where the time goes',
      '',
      'A separate run of each ingest mode under `node --cpu-prof` at the best concurrency, and of the default path at its concurrency (so the profiler does not touch the figures above):',
      '',
      ...profiles,
      ...WHERE_THE_TIME_GOES,
    );
  }

  lines.push(
    '## Running it',
    '',
    '`npm run bench` runs every stage and rewrites this page and `docs/benchmarks.png`. Each stage writes `bench/out/<stage>.json`; ' +
      '`BENCH_ONLY=ingest,physical npm run bench` runs some stages (stages: physical, ingest-sqlite, ingest-redis, n8n, default-path, delivery, memory, readers, reconcile; `ingest` means both), ' +
      '`BENCH_QUICK=1` shortens all of them. The n8n baseline uses the end-to-end cache (`N8N_E2E_CACHE`, default `~/.cache/n8n-payment-webhooks`; ' +
      '`BENCH_N8N_VERSION` picks the version) and is skipped with a note when it is absent.',
    '',
  );
  writeFileSync(join(REPO, 'docs', 'benchmarks.md'), lines.join('\n'));
  writeFileSync(join(REPO, 'docs', 'benchmarks.png'), chart({ ingest, n8nResult, physical: physical?.result, delivery: delivery?.result }));
}

function chart(results: {
  ingest: Partial<Record<StorageMode, Stored<IngestResult>>>;
  n8nResult?: Exclude<N8nResult, { skipped: string }>;
  physical?: PhysicalResult;
  delivery?: DeliveryResult;
}): Buffer {
  const sustained = (mode: StorageMode) => results.ingest[mode]?.result?.sweep.sustained ?? 0;
  const throughput: Panel = {
    title: 'THROUGHPUT, EVENTS/S (LOG SCALE); DASHES = TARGETS',
    scale: 'log',
    min: 10,
    max: 1_000_000,
    groups: [
      { label: 'INGEST SQLITE', bars: [{ value: sustained('sqlite'), color: COLORS.runtime, target: TARGETS.ingest.sqlite }] },
      { label: 'INGEST REDIS', bars: [{ value: sustained('redis'), color: COLORS.runtime, target: TARGETS.ingest.redis }] },
      { label: 'N8N WEBHOOK', bars: [{ value: results.n8nResult?.webhookNode.sustained ?? 0, color: COLORS.n8n }] },
      { label: 'N8N TRIGGER', bars: [{ value: results.n8nResult?.trigger.sustained ?? 0, color: COLORS.n8n }] },
      ...(results.delivery?.runs ?? []).map((entry) => ({
        label: `DELIVER ${entry.workers}W`,
        bars: [{ value: entry.perSecond, color: COLORS.delivery, ...(entry.workers === 2 && { target: TARGETS.delivery2 }) }],
      })),
      { label: 'BARE HMAC', bars: [{ value: results.physical?.hmacPerSecond ?? 0, color: COLORS.physical }] },
      { label: 'OUR VERIFY', bars: [{ value: results.physical?.verifyPerSecond ?? 0, color: COLORS.physical }] },
      { label: 'REDIS SET NX', bars: [{ value: results.physical?.redisSetNxPerSecond ?? 0, color: COLORS.physical }] },
    ],
    legend: [
      { label: 'RUNTIME INGEST', color: COLORS.runtime },
      { label: 'N8N', color: COLORS.n8n },
      { label: 'DELIVERY', color: COLORS.delivery },
      { label: 'PHYSICAL LIMIT', color: COLORS.physical },
    ],
  };
  const latency: Panel = {
    title: 'ACKNOWLEDGEMENT LATENCY, MS (LOG SCALE), AT 25/50/90% OF THE SUSTAINED RATE',
    scale: 'log',
    min: 0.1,
    max: 10_000,
    line: { value: TARGETS.p99Ms, label: 'P99 TARGET 10 MS' },
    groups: (['sqlite', 'redis'] as StorageMode[]).flatMap((mode) =>
      (results.ingest[mode]?.result?.sweep.latency ?? []).map((point) => ({
        label: `${mode.toUpperCase()} ${percent(point.share)}`,
        bars: [
          { value: point.latency.p50, color: COLORS.p50 },
          { value: point.latency.p99, color: COLORS.p99 },
          { value: point.latency.p99_9, color: COLORS.p999 },
        ],
      })),
    ),
    legend: [
      { label: 'P50', color: COLORS.p50 },
      { label: 'P99', color: COLORS.p99 },
      { label: 'P99.9', color: COLORS.p999 },
    ],
  };
  return drawChart('PAYMENT WEBHOOKS RUNTIME: NPM RUN BENCH', [throughput, latency]);
}
