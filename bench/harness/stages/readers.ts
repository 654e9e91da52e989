import { Agent, createServer, get } from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { paymentFailed, sign } from '../../../test/e2e/support/stripe-events';
import { freePort } from '../../../test/support/redis-server';
import type { PaymentEvent } from '../../../core/event';
import { SqliteDeadLetterStore } from '../../../runtime/src/storage/sqlite-dead-letters';
import { DELIVERY_SECRET, DESTINATION, runtimeConfig, UNLIMITED_PER_ADDRESS, type BenchContext } from '../context';
import { STRIPE_SECRET, stripeBodies } from '../events';
import type { Latency, StepResult } from '../loadgen';
import { percentile } from '../paced';
import { runLoad, startRuntime, startSink, type RuntimeProcess } from '../processes';

/**
 * A flood of operators' reads must not stall ingress. A runtime (SQLite, ingress and
 * workers, alerts on) starts on a file holding 10,000 open dead letters of about 5 KB each
 * (the size of the 53 MB table of issue 16). Signed acknowledgements are measured open loop
 * at a fixed rate in four phases: alone (the baseline); with 8 clients reading /status/data
 * and /metrics in a loop, each from a loopback address of its own; with 10 new dead letters
 * a second (each checked against the alert threshold) and no readers; and with both. That
 * runs twice: with the default ops rate limit, and with it lifted, so every read is served and
 * its storage work is what is measured.
 */
export interface ReadersPhase {
  name: 'baseline' | 'readers' | 'dead letters' | 'readers + dead letters';
  readers: number;
  deadLettersPerSecond: number;
  ack: StepResult;
  /** Reads answered 200 per second, over both paths. */
  readsPerSecond: number;
  readLatency?: Latency;
  /** Reads answered 429 per second. */
  limitedPerSecond: number;
  /** Dead-letter events posted during the phase, and how many of them were accepted. */
  deadLettersPosted: number;
}

export interface ReadersRun {
  /** `default`: ops.perAddressPerSecond and Burst as shipped; `lifted`: every read served. */
  limit: 'default' | 'lifted';
  phases: ReadersPhase[];
  /** Open dead letters and alerts posted, read at the end. */
  openAtEnd: number;
  alertsPosted: number;
}

export interface ReadersResult {
  seededDeadLetters: number;
  seededMb: number;
  ackRate: number;
  phaseSeconds: number;
  runs: ReadersRun[];
}

export const READERS = 8;
export const DEAD_LETTERS_PER_SECOND = 10;
/** Padding that brings a stored dead letter to about 5 KB. */
const RECORD_PADDING = 2_800;

/** Writes `count` open dead letters straight into the runtime's SQLite file, with the runtime's own store; returns their MB. */
async function seedDeadLetters(file: string, count: number): Promise<number> {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  // Filling is not what is measured: no fsync per record.
  db.pragma('synchronous = OFF');
  const store = new SqliteDeadLetterStore(db);
  const started = Date.now() - count * 1000;
  for (const [index, { id, body }] of stripeBodies(count).entries()) {
    const raw = { ...(JSON.parse(body) as Record<string, unknown>), padding: 'x'.repeat(RECORD_PADDING) };
    const at = new Date(started + index * 1000).toISOString();
    const event: PaymentEvent = {
      id,
      provider: 'stripe',
      type: 'payment_intent.succeeded',
      kind: 'payment.succeeded',
      occurredAt: at,
      receivedAt: at,
      amount: { minor: 2500, currency: 'EUR' },
      idempotencyKey: `stripe:${id}`,
      raw,
    };
    await store.add({
      idempotencyKey: event.idempotencyKey,
      provider: 'stripe',
      kind: event.kind,
      event,
      origin: { destination: DESTINATION },
      error: { message: 'the destination answered HTTP 500', httpStatus: 500 },
      attempts: 10,
      failedAt: at,
    });
  }
  const { bytes } = db.prepare('SELECT SUM(LENGTH(record)) AS bytes FROM dead_letters').get() as { bytes: number };
  db.close();
  return bytes / 2 ** 20;
}

/** A destination that refuses every delivery for good (400), so each one is dead-lettered at once. */
async function startRefusingDestination(): Promise<{ url: string; close: () => Promise<void> }> {
  const port = await freePort();
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(400).end());
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${port}/refuses`, close: () => new Promise((done) => server.close(() => done())) };
}

/** One GET over a keep-alive connection from `localAddress`; resolves with the status once the body is read. */
function read(url: string, agent: Agent, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent, localAddress }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
}

/**
 * Clients reading the status data and the metrics in turn, as fast as answers come, until
 * stopped. Each comes from its own loopback address (127.0.0.11, .12, …), as 8 dashboards
 * or scrapers would, so each has a rate-limit budget of its own.
 */
function startReaders(baseUrl: string, clients: number) {
  const latencies: number[] = [];
  let limited = 0;
  let running = true;
  const startedAt = performance.now();
  const loops = Array.from({ length: clients }, async (_, client) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const localAddress = `127.0.0.${11 + client}`;
    for (let turn = 0; running; turn++) {
      const started = performance.now();
      const status = await read(`${baseUrl}${turn % 2 === 0 ? '/status/data' : '/metrics'}`, agent, localAddress);
      if (status === 200) latencies.push(performance.now() - started);
      else if (status === 429) limited += 1;
      else throw new Error(`a reader got HTTP ${status}`);
    }
    agent.destroy();
  });
  return {
    async stop(): Promise<{ served: number; limited: number; seconds: number; latency?: Latency }> {
      running = false;
      await Promise.all(loops);
      const seconds = (performance.now() - startedAt) / 1000;
      const sorted = Float64Array.from(latencies).sort();
      if (sorted.length === 0) return { served: 0, limited, seconds };
      const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
      const at = (share: number) => percentile(sorted, share);
      return { served: sorted.length, limited, seconds, latency: { mean, p50: at(0.5), p90: at(0.9), p99: at(0.99), p99_9: at(0.999), max: sorted[sorted.length - 1] } };
    },
  };
}

/** Posts one signed `payment_intent.payment_failed` a tick; the refusing destination dead-letters each. */
function startDeadLetterStream(baseUrl: string, perSecond: number) {
  let posted = 0;
  let accepted = 0;
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    posted += 1;
    const request = sign(paymentFailed({ amount: 1200, currency: 'eur', code: 'card_declined', declineCode: 'insufficient_funds' }), STRIPE_SECRET);
    const sent = fetch(`${baseUrl}/webhooks/stripe`, { method: 'POST', headers: request.headers, body: request.body })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.status === 200) accepted += 1;
      })
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  }, 1000 / perSecond);
  return {
    async stop(): Promise<{ posted: number; accepted: number }> {
      clearInterval(timer);
      await Promise.all(inFlight);
      return { posted, accepted };
    },
  };
}

async function phase(
  runtime: RuntimeProcess,
  setup: { name: ReadersPhase['name']; readers: number; deadLettersPerSecond: number },
  options: { ackRate: number; seconds: number; dir: string },
): Promise<ReadersPhase> {
  const readers = setup.readers > 0 ? startReaders(runtime.url, setup.readers) : undefined;
  const stream = setup.deadLettersPerSecond > 0 ? startDeadLetterStream(runtime.url, setup.deadLettersPerSecond) : undefined;
  const [ack] = await runLoad(
    {
      url: `${runtime.url}/webhooks/stripe`,
      duplicateShare: 0,
      expectedRate: options.ackRate,
      steps: [{ connections: 16, durationS: options.seconds, overallRate: options.ackRate }],
      watch: { runtime: runtime.pid },
    },
    options.dir,
    `readers-${setup.readers}-${setup.deadLettersPerSecond}`,
  );
  const reads = await readers?.stop();
  const deadLetters = await stream?.stop();
  console.log(
    `readers ${setup.name}: ack p50 ${ack.latency.p50.toFixed(1)} ms, p99 ${ack.latency.p99.toFixed(1)} ms, max ${ack.latency.max.toFixed(0)} ms; ` +
      `${reads ? `${Math.round(reads.served / reads.seconds)} reads/s served, ${Math.round(reads.limited / reads.seconds)}/s answered 429` : 'no readers'}`,
  );
  return {
    ...setup,
    ack,
    readsPerSecond: reads ? reads.served / reads.seconds : 0,
    ...(reads?.latency && { readLatency: reads.latency }),
    limitedPerSecond: reads ? reads.limited / reads.seconds : 0,
    deadLettersPosted: deadLetters?.accepted ?? 0,
  };
}

/** One runtime on the seeded file through the four phases, with the ops rate limit as given. */
async function measureRun(
  context: BenchContext,
  limit: ReadersRun['limit'],
  setup: { file: string; dir: string; ackRate: number; seconds: number },
): Promise<ReadersRun> {
  const refusing = await startRefusingDestination();
  const alerts = await startSink();
  const runtime = await startRuntime({
    entry: context.runtimeEntry,
    role: 'both',
    workDir: setup.dir,
    name: `runtime-${limit}`,
    config: {
      ...runtimeConfig(`sqlite:${setup.file}`, refusing.url),
      // The acknowledged events match no destination: besides them the process serves the reads and writes the dead letters.
      destinations: [{ name: 'refusing', url: refusing.url, signingSecret: DELIVERY_SECRET, kinds: ['payment.failed'], concurrency: 4 }],
      ...(limit === 'lifted' && { ops: { perAddressPerSecond: UNLIMITED_PER_ADDRESS, perAddressBurst: UNLIMITED_PER_ADDRESS } }),
      alerts: { url: alerts.url, deadLetters: 10 },
    },
  });
  try {
    const run = { ackRate: setup.ackRate, seconds: setup.seconds, dir: setup.dir };
    const phases = [
      await phase(runtime, { name: 'baseline', readers: 0, deadLettersPerSecond: 0 }, run),
      await phase(runtime, { name: 'readers', readers: READERS, deadLettersPerSecond: 0 }, run),
      // The dead letters alone: what their own writes cost, apart from the reads and alert checks they cause.
      await phase(runtime, { name: 'dead letters', readers: 0, deadLettersPerSecond: DEAD_LETTERS_PER_SECOND }, run),
      await phase(runtime, { name: 'readers + dead letters', readers: READERS, deadLettersPerSecond: DEAD_LETTERS_PER_SECOND }, run),
    ];
    const data = (await (await fetch(`${runtime.url}/status/data`)).json()) as { openDeadLetters: number };
    return { limit, phases, openAtEnd: data.openDeadLetters, alertsPosted: alerts.received };
  } finally {
    await runtime.stop();
    await Promise.all([refusing.close(), alerts.close()]);
  }
}

export async function benchReaders(context: BenchContext, options: { deadLetters: number; ackRate: number; phaseSeconds: number }): Promise<ReadersResult> {
  const dir = join(context.workDir, 'readers');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'readers.db');
  const seededMb = await seedDeadLetters(file, options.deadLetters);
  const setup = { file, dir, ackRate: options.ackRate, seconds: options.phaseSeconds };
  const runs = [await measureRun(context, 'default', setup), await measureRun(context, 'lifted', setup)];
  return { seededDeadLetters: options.deadLetters, seededMb, ackRate: options.ackRate, phaseSeconds: options.phaseSeconds, runs };
}
