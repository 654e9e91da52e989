import { fixed, int, percent, yes } from './format';
import type { ProfileSummary } from './profile';
import type { DefaultPathResult, ModeRuns, PathRun, ScaleOutRun } from './stages/default-path';
import { DUPLICATE_SHARE } from './sweep';
import type { IngestResult, StorageMode } from './stages/ingest';

/** The default-path stage's part of docs/benchmarks.md: its target rows, bound notes, section and profiles. */
export const DEFAULT_PATH_TARGETS = { shareOfIngressOnly: 0.6, redisOverSqlite: 1, redisCommandsPerEvent: 10, overN8nWebhook: 50 };

/** What the targets table compares the default path with: the ingest stage's results and n8n's Webhook node, from the same run. */
export interface DefaultPathPeers {
  ingest: Partial<Record<StorageMode, IngestResult>>;
  n8nWebhookNode?: number;
}

const MODES: StorageMode[] = ['sqlite', 'redis'];

function modeOf(result: DefaultPathResult | undefined, mode: StorageMode): ModeRuns | undefined {
  return result?.modes.find((entry) => entry.mode === mode);
}

/** Redis commands per request over the profiled ingest run (Lua scripts' commands included). */
export function redisCommandsPerEvent(ingest: IngestResult | undefined): number | undefined {
  const perCommand = Object.values(ingest?.redisCommandsPerRequest ?? {});
  return perCommand.length > 0 ? perCommand.reduce((sum, calls) => sum + calls, 0) : undefined;
}

function floorRow(what: string, goal: string, measured: string, ratio: number, floor: number): string {
  const met = ratio >= floor;
  return `| ${what} | ${goal} | ${measured} | ${yes(met)} | ${met ? '' : `${percent(ratio / floor)} of the goal, ${fixed(floor / Math.max(ratio, 1e-9), 2)}x short`} |`;
}

export function defaultPathTargetRows(result: DefaultPathResult | undefined, peers: DefaultPathPeers): string[] {
  const rows: string[] = [];
  for (const mode of MODES) {
    const entry = modeOf(result, mode);
    if (!entry) continue;
    rows.push(
      floorRow(
        `Default path (\`npm start\`: ingest while delivering) over ingress-only, ${mode}`,
        `≥ ${percent(DEFAULT_PATH_TARGETS.shareOfIngressOnly)}`,
        `${percent(entry.ratio)}: ${int(entry.defaultPath)} vs ${int(entry.ingressOnly)} events/s`,
        entry.ratio,
        DEFAULT_PATH_TARGETS.shareOfIngressOnly,
      ),
    );
  }
  const sqliteIngest = peers.ingest.sqlite?.sweep.sustained;
  const redisIngest = peers.ingest.redis?.sweep.sustained;
  if (sqliteIngest && redisIngest) {
    rows.push(
      floorRow('Redis over SQLite, ingress-only (ingest stage, best step)', '≥ 1.00x', `${fixed(redisIngest / sqliteIngest, 2)}x: ${int(redisIngest)} vs ${int(sqliteIngest)} events/s`, redisIngest / sqliteIngest, DEFAULT_PATH_TARGETS.redisOverSqlite),
    );
  }
  const sqlitePath = modeOf(result, 'sqlite');
  const redisPath = modeOf(result, 'redis');
  if (sqlitePath && redisPath) {
    const ratio = redisPath.defaultPath / sqlitePath.defaultPath;
    rows.push(floorRow('Redis over SQLite, default path', '≥ 1.00x', `${fixed(ratio, 2)}x: ${int(redisPath.defaultPath)} vs ${int(sqlitePath.defaultPath)} events/s`, ratio, DEFAULT_PATH_TARGETS.redisOverSqlite));
  }
  const commands = redisCommandsPerEvent(peers.ingest.redis);
  if (commands !== undefined) {
    const met = commands <= DEFAULT_PATH_TARGETS.redisCommandsPerEvent;
    rows.push(
      `| Redis commands per event, ingest (\`INFO commandstats\`, inside scripts included) | ≤ ${DEFAULT_PATH_TARGETS.redisCommandsPerEvent} | ${fixed(commands)} | ${yes(met)} | ${met ? '' : `${fixed(commands / DEFAULT_PATH_TARGETS.redisCommandsPerEvent)}x the limit`} |`,
    );
  }
  for (const mode of MODES) {
    const entry = modeOf(result, mode);
    if (!entry) continue;
    const what = `Default path over n8n's Webhook node, ${mode}`;
    const goal = `≥ ${DEFAULT_PATH_TARGETS.overN8nWebhook}x`;
    if (!peers.n8nWebhookNode) {
      rows.push(`| ${what} | ${goal} | not in this run: the n8n stage did not run beside it, and only ratios from one run compare | – | |`);
      continue;
    }
    const ratio = entry.defaultPath / peers.n8nWebhookNode;
    rows.push(floorRow(what, goal, `${fixed(ratio)}x: ${int(entry.defaultPath)} vs ${int(peers.n8nWebhookNode)} events/s`, ratio, DEFAULT_PATH_TARGETS.overN8nWebhook));
  }
  const [one, two] = [1, 2].map((count) => result?.scaleOut.find((run) => run.ingress === count && run.workers === count));
  if (one && two) {
    rows.push(
      `| Scale-out on one Redis: 2 ingress + 2 workers over 1 + 1 | recorded (no gain expected on 2 cores) | ${fixed(scaleRate(two) / scaleRate(one), 2)}x: ${int(scaleRate(two))} vs ${int(scaleRate(one))} events/s | recorded | see [Scale-out](#scale-out-redis-mode) |`,
    );
  }
  return rows;
}

/** A scale-out run's rate: requests both acknowledged and delivered per second. */
const scaleRate = (run: ScaleOutRun) => run.rate;

const micros = (value: number | undefined) => (value === undefined ? '–' : `${int(value)} µs`);

export function defaultPathBoundNotes(result: DefaultPathResult | undefined, profileAreas: (profile: ProfileSummary | undefined) => string): string[] {
  return (result?.modes ?? []).map((entry) => {
    const both = bestOf(entry.runs, 'both');
    const ingressOnly = bestOf(entry.runs, 'ingress');
    const perEventIngress = ingressOnly?.step.cpu.runtime !== undefined ? (ingressOnly.step.cpu.runtime * 1e6) / ingressOnly.rate : undefined;
    const deliveryShare = perEventIngress !== undefined && entry.cpuMicrosPerEvent.runtime !== undefined ? entry.cpuMicrosPerEvent.runtime - perEventIngress : undefined;
    return (
      `- **Default path, ${entry.mode}**: the runtime used ${both?.step.cpu.runtime !== undefined ? percent(both.step.cpu.runtime) : '?'} of a core` +
      `${both?.step.cpu.redis !== undefined ? `, Redis ${percent(both.step.cpu.redis)}` : ''}, the destination ${both?.destinationCpu !== undefined ? percent(both.destinationCpu) : '?'}, the load generator ${percent(both?.step.cpu.loadgen ?? 0)}. ` +
      `Per event the runtime spent ${micros(entry.cpuMicrosPerEvent.runtime)} of CPU ingesting and delivering, against ${micros(perEventIngress)} ingesting alone with \`--role ingress\`` +
      `${deliveryShare !== undefined ? ` (so a delivery costs about ${micros(deliveryShare)})` : ''}${entry.cpuMicrosPerEvent.redis !== undefined ? `; Redis ${micros(entry.cpuMicrosPerEvent.redis)}` : ''}. ` +
      `Profile of the default path, self time by area: ${profileAreas(entry.profile)}.`
    );
  });
}

const bestOf = (runs: PathRun[], role: PathRun['role']) => runs.filter((run) => run.role === role).reduce((top, run) => (run.rate > (top?.rate ?? -1) ? run : top), undefined as PathRun | undefined);

/** What a machine with more cores should give, from the 1 + 1 run's CPU per event. */
function projection(one: ScaleOutRun, cores: number): { rate: number; bound: string } {
  const perEvent = one.cpuMicrosPerEvent;
  const runtimeAndRedis = perEvent.ingress + perEvent.workers + perEvent.redis;
  const cpuBound = (cores * 1e6) / runtimeAndRedis;
  const redisBound = 1e6 / Math.max(perEvent.redis, 1e-9);
  return cpuBound <= redisBound ? { rate: cpuBound, bound: 'all cores busy' } : { rate: redisBound, bound: "Redis's one thread" };
}

function scaleOutSection(runs: ScaleOutRun[], cores: number): string[] {
  const one = runs.find((run) => run.ingress === 1 && run.workers === 1);
  if (!one) return [];
  const lines = [
    '### Scale-out (Redis mode)',
    '',
    `\`--role ingress\` and \`--role worker\` processes on one Redis (appendfsync always), each ingress process loaded by its own load generator (the ${int(one.connections)} connections split between them), ` +
      'all workers delivering to the destination. Rates are what was both acknowledged and delivered per second; cores are shares of one core over the load.',
    '',
    '| Ingress + workers | Acks/s | Delivered/s | Delivered | Cores: ingress / workers / Redis / load generators / destination | CPU µs per event: ingress / workers / Redis |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (run) =>
        `| ${run.ingress} + ${run.workers} | ${int(run.acksPerSecond)} | ${int(run.deliveredPerSecond)} | ${int(run.delivered)} of ${int(run.accepted)} | ` +
        `${[run.cores.ingress, run.cores.workers, run.cores.redis, run.cores.loadgen, run.cores.destination].map((value) => fixed(value, 2)).join(' / ')} | ` +
        `${[run.cpuMicrosPerEvent.ingress, run.cpuMicrosPerEvent.workers, run.cpuMicrosPerEvent.redis].map((value) => int(value)).join(' / ')} |`,
    ),
    '',
  ];
  const perEvent = one.cpuMicrosPerEvent;
  const harness = perEvent.loadgen + perEvent.destination;
  const here = (cores * 1e6) / (perEvent.ingress + perEvent.workers + perEvent.redis + harness);
  const projections = [4, 8].map((count) => ({ count, ...projection(one, count) }));
  lines.push(
    `Each event cost, in the 1 + 1 run, ${int(perEvent.ingress)} µs of CPU in ingress, ${int(perEvent.workers)} µs in the worker and ${int(perEvent.redis)} µs in Redis ` +
      `(${int(perEvent.ingress + perEvent.workers + perEvent.redis)} µs together), and the bench's own load generator and destination another ${int(harness)} µs. ` +
      `On these ${cores} cores all of it shares the machine: ${cores} × 10⁶ / ${int(perEvent.ingress + perEvent.workers + perEvent.redis + harness)} µs = ${int(here)} events/s at best, ` +
      'whatever the number of processes, which is why two of each cannot gain here (they only add context switches and Redis connections). ' +
      'With the gateways and n8n on other machines, a machine of N cores runs ingress and worker processes in parallel until either every core is busy ' +
      `(N × 10⁶ / ${int(perEvent.ingress + perEvent.workers + perEvent.redis)} µs) or Redis, which executes commands on one thread, is (10⁶ / ${int(perEvent.redis)} µs = ${int(1e6 / Math.max(perEvent.redis, 1e-9))} events/s): ` +
      projections.map((entry) => `${entry.count} cores about ${int(entry.rate)} events/s (${entry.bound})`).join(', ') +
      ". Two caveats: Redis's cost per event falls when more clients' commands arrive together (its fsync with appendfsync always is one per event-loop turn, shared), " +
      'and rises with the number of connections; and the runtime processes need N − 1 cores between them, so at least N − 1 processes.',
    '',
  );
  return lines;
}

export function defaultPathSection(result: DefaultPathResult | undefined, options: { note: string; cores: number }): string[] {
  const lines = ['## Default path: ingest while delivering', ''];
  if (!result) return [...lines, options.note, ''];
  lines.push(
    `The runtime as \`npm start\` runs it: one process with \`--role both\` (the default), the destination's default concurrency, ingesting the ingest stage's signed Stripe load ` +
      `(${int(result.connections)} connections, ${int(result.seconds)} s a run, as fast as answers come) while it delivers every event, Standard Webhooks signed, to a loopback destination in another process (the bench) that answers 200 at once and counts. ` +
      'Each mode alternates runs with `--role ingress` (nothing delivered) and role both on fresh storage. A run of role both counts what was both acknowledged and delivered: ' +
      `the lower of its acknowledgements per second and its deliveries per second (first to last), both in requests: a request that repeats an earlier event (${percent(DUPLICATE_SHARE)} of them) is acknowledged and needs no delivery, ` +
      `so a delivery counts for the requests its event came in as on average (Delivered/s is distinct events; counting it against every acknowledgement would cap a run that delivers everything at once at ${percent(1 - DUPLICATE_SHARE)}). ` +
      'Every acknowledged event must reach the destination by the end of the stage, or the stage fails.',
    '',
    '| Storage | Role | 2xx/s | Delivered/s | Counts as | p50 ms | p99 ms | Delivered | Owed at load end | Drain s | Runtime CPU | Redis CPU | Destination CPU | Redis commands per request |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const entry of result.modes) {
    for (const run of entry.runs) {
      const share = (value: number | undefined) => (value === undefined ? '–' : percent(value));
      lines.push(
        `| ${entry.mode} | ${run.role === 'both' ? 'both (`npm start`)' : 'ingress'} | ${int(run.step.okPerSecond)} | ${run.deliveredPerSecond === undefined ? '–' : int(run.deliveredPerSecond)} | ${int(run.rate)} | ` +
          `${fixed(run.step.latency.p50)} | ${fixed(run.step.latency.p99)} | ${run.delivered === undefined ? '–' : `${int(run.delivered)} of ${int(run.accepted)}`} | ` +
          `${run.backlogAtLoadEnd === undefined ? '–' : int(run.backlogAtLoadEnd)} | ${run.drainSeconds === undefined ? '–' : fixed(run.drainSeconds)} | ${share(run.step.cpu.runtime)} | ${share(run.step.cpu.redis)} | ${share(run.destinationCpu)} | ` +
          `${run.redisCommands ? `${fixed(run.redisCommands.total)} (${Object.entries(run.redisCommands.byCommand).slice(0, 4).map(([name, calls]) => `${name} ${fixed(calls)}`).join(', ')})` : '–'} |`,
      );
    }
  }
  lines.push(
    '',
    ...result.modes.map(
      (entry) =>
        `- **${entry.mode}** (${entry.durability}): default path ${int(entry.defaultPath)} events/s, ingress-only ${int(entry.ingressOnly)} events/s (best run of each): ${percent(entry.ratio)}. ` +
        `${int(entry.check.delivered)} of ${int(entry.check.accepted)} acknowledged events delivered${entry.check.missing === 0 ? ' (none missing)' : ` — **${int(entry.check.missing)} missing**`}.`,
    ),
    '',
    ...scaleOutSection(result.scaleOut, options.cores),
    options.note,
    '',
  );
  return lines;
}

/** The default path's profiles for "Where the time goes". */
export function defaultPathProfiles(result: DefaultPathResult | undefined): Array<{ label: string; profile?: ProfileSummary }> {
  return (result?.modes ?? []).map((entry) => ({ label: `Default path (role both, delivering), ${entry.mode}`, profile: entry.profile }));
}

/**
 * What was tried on the default path, how it was measured, and what was kept or dropped: written
 * from measurements made beside the change (before and after built side by side, run alternately),
 * not from this run.
 */
export const WHERE_THE_TIME_GOES: string[] = [
  '**The default path, SQLite: what was tried** (issue 20). Each change was measured against the commit before it, both built side by side and run alternately, ' +
    'under the same fixed offered rate, on this 2-core machine while other work kept its load average between 19 and 30 (so only the within-pair comparisons below mean anything):',
  '',
  '- _Where the time went before_: a profile of the default path (SQLite, role both) put 53% of the busy time in two functions of the storage: the delivery loop leasing one row ' +
    'per statement and the attempt writing its outcome, each its own autocommit, so each delivery paid two commits of its own with `synchronous = FULL`: two fsyncs (116 µs each on this disk, ' +
    'see Physical limit) waited for on the event loop thread, against a share of one fsync per event for ingest\'s group commit. Measured with `strace -c` at 200 events/s offered: 2.22 fsyncs per event.',
  '- _Claim deliveries in batches and write outcomes in batches, inside the group commit_ (kept): the events accepted in a turn, the outcomes of the deliveries that finished in it and ' +
    'the leases of the next ones (one statement per destination, as many as it has free slots) are one transaction. A delivery adds no commit of its own: 0.39 fsyncs per event at the same offered rate (5.7x fewer). ' +
    'A slot is still freed only once its outcome is committed, so a SIGKILL repeats at most the deliveries that held a slot (the crash and SIGKILL tests pass unchanged). ' +
    'CPU of the runtime process per event at 150 events/s offered, same sitting (load average 23-25, so every figure is inflated many times; compare within the pair): before, 2,276 µs with `--role ingress` and 4,447 µs with role both, which fell behind (995 of 1,500 answered, p50 6.3 s): a delivery cost about as much as an ingest (0.95x); after, 2,063 and 2,373 µs, keeping up (p50 0.3 s): a delivery costs about 0.15x an ingest.',
  '- _No re-parsing of the stored event_ (kept): a SQLite delivery sends the stored JSON text as its body and reads provider, kind and occurredAt with `json_extract` in the lease statement; ' +
    'the event is parsed only when a dead letter needs it (before: `JSON.parse` of the 2 KB event at the lease and `JSON.stringify` again for the body, each delivery).',
  '- _Keep-alive delivery agent_: already in place (node:http with a keep-alive agent since the delivery client left fetch); kept.',
  '- _The deliveries\' HTTP on a thread of its own_ (kept, `runtime/src/delivery/thread.ts`): signing, the request and reading the answer run on a worker thread; the leases, outcomes, retry decisions and logs stay ' +
    'in the main thread\'s group commit. Measured alone, the HTTP client costs 120-200 µs of CPU per delivery here. Before and after built side by side, runs alternated on the quiet machine, 32 connections, ' +
    'CPU of the main thread alone (from /proc/<pid>/task/<pid>): per acknowledged event on the default path 430 and 556 µs before (16 slots), 347 and 334 µs after (32 and 48 slots); ingress-only 250-390 µs in every run. ' +
    'The thread adds a hop each way, so a slot\'s round trip takes about two group commits instead of one: with 16 slots, deliveries fell behind the acknowledgements (1,342-1,529/s against 1,827-2,117 acks/s), ' +
    'hence the default of 32 slots (1,654-1,822 deliveries/s). Best delivered rates of the pairs: 1,572 before, 1,822 (32 slots) and 1,944 (48 slots) after, against ingress-only bests of 3,229-3,479 in the same runs.',
  '- _The group commit\'s fsync off the event loop_ (tried, not kept): the transaction committed with `synchronous = NORMAL` and the WAL file fsynced on libuv\'s thread pool before any request was answered. ' +
    'No gain at 32 connections, in either role: the main thread used the same 0.7-0.85 of a core. The load is closed-loop, so while a batch waits for its fsync every connection waits with it and the thread has nothing else to do; ' +
    'the fsync bounds the rate through latency, not through the thread.',
  '- _Work off the acknowledgement path_: not changed; the delivery bookkeeping now rides in the commit that acknowledges the events, which adds its statements (not an fsync) to that commit.',
  '',
  '**Redis ingest and the latency tail: what was tried** (issue 20), on a later machine whose host took a share of its cores (CPU pressure 15-60% with nothing of ours running), so again only runs alternated beside each other compare:',
  '',
  '- _One script call for a batch\'s claims and risk windows_ (kept, `runtime/src/storage/redis-intake.ts`): each batch of requests made three round trips, each waiting for Redis\'s fsync (claims, risk windows, store); ' +
    'the claims and the windows now share the first. Each risk call names its event\'s idempotency key, and the script skips the calls of a key already completed, so a duplicate still never feeds the windows. ' +
    'Ingest stage, two alternated pairs, best step (64 connections): 2,838 and 3,369 events/s before, 3,365 and 3,842 after; at 4 connections 951 and 873 before, 1,083 and 1,169 after. ' +
    'Commands per event did not change (8.3-8.5): the saving is one fsync wait per batch, not commands.',
  '- _No re-parsing of the stored event in Redis mode either_ (kept, `runtime/src/storage/redis-queue.ts`): a job\'s value starts with a line holding what a delivery reads of its event ' +
    '(idempotency key, provider, kind, occurredAt), so a delivery parses that line and sends the rest, the event\'s JSON as stored; before, every Redis delivery parsed the whole event. ' +
    'On the CPU clock, for the 2,554-byte event the bench stores: 6.0 µs to parse the event, 0.5 µs to read the facts line. Two alternated pairs of the default-path stage, under host CPU pressure of 40-67%, ' +
    'cannot resolve a saving that size: Redis default path 1,250 and 1,814 events/s before, 1,214 and 1,196 after, while the runtime\'s CPU per event of the same code moved from 907 to 608 µs between two runs. ' +
    'Jobs stored by an earlier version (the event\'s JSON alone) are still delivered.',
  '- _A Redis delivery takes its event from the process that stored it_ (kept, `StoredJobValues` in `runtime/src/storage/redis-queue.ts`): in role both, the process keeps the value of each job it stores ' +
    '(at most 2,048, a few MB) until its own worker leases the job, so the lease no longer reads the 2.5 KB value back from Redis: the cycle script checks with one EXISTS that every job leased is still there ' +
    'and answers a marker instead of the value (one MGET as before when one is gone); a job this process does not hold (stored by another process, a retry, a backlog older than the window) is read in one MGET of its own. ' +
    'Each event\'s bytes now cross to Redis once instead of twice. Two alternated pairs of the default-path stage (the trial build, which skipped the reads of jobs from other processes, so its scale-out runs were not counted), ' +
    'host CPU pressure 10-41%: the Redis default path acknowledged 1,327 and 1,209, then 1,282 and 1,255 events/s before (two rounds each), 1,819 and 1,649, then 1,912 and 1,542 after, ' +
    'while every acknowledged event was delivered; the ingress-only runs of the same stages 1,915-2,775 events/s throughout. Commands per event do not change (EXISTS replaces MGET, one per batch).',
  '- _WAL checkpoints out of the group commit (SQLite), for p99_ (measured, then built and measured, not kept): a checkpoint runs inside the commit that crosses 1,000 WAL pages, on the event loop. ' +
    'A pair of ingest-stage runs, one with `wal_autocheckpoint = 0` (no checkpoint at all during the run), timed from inside the runtime (GC pauses from `PerformanceObserver`, event-loop stalls from a 2 ms timer, each transaction timed around better-sqlite3\'s transaction function): ' +
    'p99 at half the rate 19.1 ms with checkpoints and 32.0 ms without; the longest transactions 29.7 ms with and 18.1 ms without; the longest GC pauses 9.0 and 9.2 ms. ' +
    'Transactions of 10-18 ms happen without any checkpoint, and the stalls of 20-40 ms that set p99 each combine a slow commit, a GC pause and the batch that piles up behind them; ' +
    'a checkpointer thread would not bring p99 under 10 ms here, so none was built. ' +
    'Later, on a quiet disk, a lone checkpoint of about 900 pages (4.5 KB rows, synchronous FULL) took 10-16 ms, enough to matter several times a second, so the thread was built and measured: ' +
    'its own connection checkpointing PASSIVE every 100 ms (again after 5 ms while commits outran it), the writer\'s own threshold raised to 4,096 pages as a backstop that also lets the WAL start over. ' +
    'Three alternated pairs of the ingest-sqlite stage, the thread first: p99 at half the rate 11.7 / 22.9, 33.1 / 9.9 and 17.7 / 12.6 ms; the watched repeat 31.4 / 33.9, 86.1 / 21.5 and 29.9 / 14.6 ms, ' +
    'the runs with the thread having more stalls on a core (its copying and syncing compete for the second core and the disk). Smaller checkpoints on the writer instead (128 pages, not 1,000), three pairs against 1,000: ' +
    '25.8 / 18.0, 18.6 / 18.6 and 22.2 / 8.9 ms. Neither was kept. In those twelve runs the bare HTTP server, answering at once under the same load, had p99 5.3-14.5 ms: ' +
    'on that host the floor alone came near the 10 ms goal.',
  '- _The whole group commit on a writer thread (SQLite), for the rate and for p99_ (tried, not kept): the transaction (events, outcomes, leases) ran on a worker thread over a second connection, ' +
    'one commit at a time, what arrived meanwhile joining the next; the main connection kept the idempotency read, and its own writes took the write lock before reading (a dead letter\'s merge, which reads then writes, ' +
    'otherwise failed with "database is locked" whenever a commit of the writer\'s fell between the two). Alternated with the commit before, host CPU pressure 14-18%: ' +
    'ingest stage, best step, three pairs: 3,318, 4,012 and 4,610 events/s before, 3,842, 4,784 and 3,828 after; p99 at half the rate 10, 24 and 12 ms before, 66, 7 and 16 ms after. ' +
    'Default-path stage, two pairs: the default path 2,993 and 2,948 events/s before, 2,159 and 2,618 after; the runtime\'s CPU per event 387 and 394 µs before, 573 and 491 µs after. ' +
    'On 2 cores the writer competes with the main thread, the delivery thread, the load generator and the destination, so each commit also waits to be scheduled; every batch crosses between threads twice ' +
    '(`postMessage`, 7.5% of the main thread\'s self time); the main connection re-reads the pages each commit of the other connection changed; and the main thread sat idle 17% of the time, waiting for commits. ' +
    'It may pay with more cores than busy threads; here it costs the default path a quarter of its rate, so it was reverted.',
  '- _The SQLite tail at half the rate, taken apart_ (measured; nothing kept but the probe): 15-20 s runs at 2,246 events/s (half of the 4,493 sustained that hour) on fresh storage, with a probe in the runtime ' +
    '(a 1 ms timer for the event loop\'s stalls, the main thread\'s schedstat, GC pauses, each transaction timed). The same code and settings gave p99 from 6.1 to 59.5 ms from one run to the next. ' +
    'In the stalls of 5 ms or more the main thread ran on a core 64-84% of the time and waited for a core 18-29%; a few were single commits of 10-33 ms, blocked in the fsync; GC pauses came to about 1.6% of the time, the longest 6-11 ms. ' +
    'A bare server that spends 320 µs of CPU on each request, at the same rate and about the same share of a core (86%; the runtime 80-87%), had p99 6.4 ms: the share of a core alone does not make the tail. ' +
    'Tried, alternated with the code as it is in rounds of three or two: the commit\'s fsync on libuv\'s thread pool again (synchronous NORMAL, the WAL fsynced before any answer): p99 37.9 and 28.9 ms against 16.5 and 18.8 ms; ' +
    'at least 1 ms between commits: half the commits, the runtime\'s CPU from about 0.82 to 0.70 of a core (the system CPU fell 0.09 of a core: about 200 µs of kernel time per commit on this machine), p99 19.1-25.6 ms against 6.1-20.5 ms; ' +
    'committing once a batch\'s first event has waited 1 ms (3 ms): the wait inside the storage bounded to a p99 of 3 ms, p99 at the client 17.9-20.0 ms (5.5-17.4 ms) against 6.1-20.5 ms; ' +
    'committing every 8 (16) events: 15.6-19.8 ms (11.4-17.2 ms) against 14.5-19.1 ms; a young generation of 64 MB (`--max-semi-space-size`): a third as many scavenges, each three times as long, p99 17.8-28.2 ms against 13.9-59.5 ms. ' +
    'None showed a gain beyond the spread between identical runs, so none was kept. The bench now repeats each mode\'s half-rate run with that probe (bench/harness/stall-probe.ts), ' +
    'and "What bounds the figures" says what the stalls of each run were made of.',
  "- _undici for the deliveries' HTTP_ (tried, not kept): measured alone, its dispatcher spends 29 µs of CPU on a keep-alive POST of a 2.5 KB body, node:http 62-72 µs. " +
    "In the runtime (on the delivery thread) two alternated pairs of the default-path stage showed no gain: the runtime's CPU per event on the default path 421-450 µs before, 434-582 µs after; " +
    'the default path 2,265-2,677 events/s before, 1,674-2,753 after. It would have added a dependency, and its pool frees a connection only a turn after the answer ends, so it was not kept.',
  '',
];
