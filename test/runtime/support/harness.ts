import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import Stripe from 'stripe';
import pino from 'pino';
import { Runtime, type Role } from '../../../runtime/src/runtime';
import { validateConfig } from '../../../runtime/src/config/validate';
import type { RuntimeConfig } from '../../../runtime/src/config/types';

export const STRIPE_SECRET = 'whsec_test_runtime_endpoint_secret';
/** A Standard Webhooks secret: `whsec_` and base64 key bytes. */
export const DELIVERY_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

const stripeSdk = new Stripe('sk_test_runtime');

export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'pw-runtime-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A realistic Stripe event body with a unique id. */
export function stripeEventBody(id = `evt_${randomUUID().replace(/-/g, '')}`, amount = 2000): string {
  const created = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    id,
    object: 'event',
    api_version: '2025-10-29.clover',
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'payment_intent.succeeded',
    data: {
      object: {
        id: `pi_${id.slice(4)}`,
        object: 'payment_intent',
        amount,
        amount_received: amount,
        currency: 'usd',
        customer: 'cus_runtime_test',
        status: 'succeeded',
        created,
        livemode: false,
      },
    },
  });
}

/** Signed by Stripe's own SDK, as Stripe would send it. */
export function stripeSigned(body: string, secret = STRIPE_SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'stripe-signature': stripeSdk.webhooks.generateTestHeaderString({ payload: body, secret }),
  };
}

export async function postWebhook(baseUrl: string, source: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${baseUrl}/webhooks/${source}`, { method: 'POST', body, headers });
  return { status: response.status, body: await response.text() };
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** What the destination answered. */
  status: number;
}

export interface Destination {
  url: string;
  received: Received[];
  /** Deliveries per webhook-id. */
  byId(): Map<string, Received[]>;
  /** Successful (2xx) deliveries per webhook-id. */
  accepted(): Map<string, number>;
  close(): Promise<void>;
}

/**
 * A loopback n8n stand-in that records every delivery. `respond` picks the status for the
 * n-th delivery (0-based) of a webhook-id; 200 by default.
 */
export async function startDestination(
  respond: (attempt: number, id: string) => number | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } = () => 200,
): Promise<Destination> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = String(request.headers['webhook-id']);
      const attempt = seen.get(id) ?? 0;
      seen.set(id, attempt + 1);
      const answer = respond(attempt, id);
      const { status, headers = {}, body, delayMs = 0 } = typeof answer === 'number' ? { status: answer } : answer;
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), status });
      setTimeout(() => response.writeHead(status, headers).end(body), delayMs);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook/payments`,
    received,
    byId: () => {
      const map = new Map<string, Received[]>();
      for (const entry of received) {
        const id = String(entry.headers['webhook-id']);
        map.set(id, [...(map.get(id) ?? []), entry]);
      }
      return map;
    },
    accepted: () => {
      const counts = new Map<string, number>();
      for (const entry of received) {
        if (entry.status < 200 || entry.status >= 300) continue;
        const id = String(entry.headers['webhook-id']);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export interface ConfigOptions {
  storage: string;
  destinationUrl: string;
  port?: number;
  retry?: Partial<RuntimeConfig['retry']>;
  limits?: Partial<RuntimeConfig['limits']>;
  concurrency?: number;
  deadLetterUrl?: string;
  /** `silent` unless RUNTIME_TEST_LOG says otherwise; spawned processes need `info` to announce their URL. */
  logLevel?: string;
  /** Replaces the single Stripe source. */
  sources?: Array<Record<string, unknown>>;
}

/** The config as a user would write it (the runtime validates it like any other). */
export function configObject(options: ConfigOptions): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port: options.port ?? 0 },
    storage: options.storage,
    limits: { bodyBytes: 64 * 1024, storeTimeoutMs: 2_000, ...options.limits },
    sources: options.sources ?? [{ name: 'stripe', provider: 'stripe', secrets: [STRIPE_SECRET], toleranceSeconds: 300 }],
    destinations: [
      { name: 'n8n', url: options.destinationUrl, signingSecret: DELIVERY_SECRET, kinds: ['*'], concurrency: options.concurrency ?? 4, timeoutMs: 2_000 },
    ],
    retry: { maxAttempts: 5, initialDelayMs: 50, maxDelayMs: 2_000, ...options.retry },
    admin: { token: ADMIN_TOKEN },
    ...(options.deadLetterUrl && { deadLetter: { url: options.deadLetterUrl } }),
    log: { level: options.logLevel ?? process.env.RUNTIME_TEST_LOG ?? 'silent' },
  };
}

export function writeConfig(dir: string, options: ConfigOptions): string {
  const file = join(dir, 'payment-webhooks.config.json');
  writeFileSync(file, JSON.stringify(configObject(options), null, 2));
  return file;
}

export function parsedConfig(options: ConfigOptions): RuntimeConfig {
  const result = validateConfig(configObject(options));
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config;
}

/** A runtime in this process (for tests that do not need a real process boundary). */
export async function startRuntime(options: ConfigOptions & { role?: Role; random?: () => number }) {
  const config = parsedConfig(options);
  const runtime = new Runtime({ config, role: options.role, random: options.random, logger: pino({ level: config.log.level }) });
  const { url } = await runtime.start();
  return { runtime, url: url ?? '', config };
}

/** A Redis storage URL with a key prefix of its own, on the tests' shared redis-server. */
export function redisStorage(url = process.env.REDIS_URL ?? ''): string {
  if (!url) throw new Error('REDIS_URL is not set: the jest global setup starts a redis-server');
  return `${url}?prefix=pw-test-${randomUUID()}`;
}

const REPO = resolve(__dirname, '..', '..', '..');

export interface RuntimeProcess {
  child: ChildProcess;
  /** Parsed JSON log lines seen so far. */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the listener URL once it logs it (ingress roles). */
  listening: Promise<string>;
  /** Resolves once a worker-only process has started consuming. */
  workerStarted: Promise<void>;
  exited: Promise<number | null>;
}

/** `payment-webhooks ARGS` as a real child process, run from the TypeScript sources. */
export function spawnRuntime(args: string[], env: NodeJS.ProcessEnv = {}): RuntimeProcess {
  const child = spawn(process.execPath, ['-r', join(__dirname, 'register.js'), join(REPO, 'runtime', 'src', 'main.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchRuntime(child);
}

/** Follows a child that runs the runtime (directly or under `npm start`): its JSON logs, listener and exit. */
export function watchRuntime(child: ChildProcess): RuntimeProcess {
  const logs: Array<Record<string, unknown>> = [];
  let resolveListening: (url: string) => void = () => undefined;
  let rejectListening: (error: Error) => void = () => undefined;
  const listening = new Promise<string>((done, fail) => {
    resolveListening = done;
    rejectListening = fail;
  });
  let resolveWorker: () => void = () => undefined;
  const workerStarted = new Promise<void>((done) => (resolveWorker = done));
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'payment-webhooks listening') resolveListening(String(entry.url));
        if (entry.msg === 'payment-webhooks worker started') resolveWorker();
      } catch {
        // not a log line
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      rejectListening(new Error(`the runtime exited (${code}) before listening: ${stderr}`));
      done(code);
    }),
  );
  void listening.catch(() => undefined);
  return { child, logs, listening, workerStarted, exited };
}

/** A loopback TCP port that accepts connections and never answers (a service that is not Redis, a proxy to a Redis that is down). */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => sockets.add(socket));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}
