import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../support/redis-server';

const REPO = resolve(__dirname, '..', '..', '..');

export interface RuntimeOptions {
  stripeSecret: string;
  /** The n8n webhook URL deliveries go to, and the Standard Webhooks secret they are signed with. */
  destinationUrl: string;
  deliverySecret: string;
  /** Turns the admin API (`/admin/*`, insights and dead letters) on with this bearer token. */
  adminToken?: string;
}

export interface RuntimeProcess {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Waits for `wait`; should it fail (an execution that never came), the error also gives the
 * runtime's log lines that mention `about` (an event's key), or its last lines: whether the
 * delivery was refused, retried out or never sent.
 */
export async function explainedByRuntime<T>(runtime: RuntimeProcess, wait: Promise<T>, about?: string): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    const lines = runtime.output().split('\n');
    const logged = (about ? lines.filter((line) => line.includes(about)) : lines).slice(-30);
    throw new Error(`${(error as Error).message}\n--- the runtime's log lines${about ? ` for ${about}` : ''} ---\n${logged.join('\n') || '(none)'}`);
  }
}

/** Builds the connector runtime and starts it with its own bin, SQLite storage in a temporary folder. */
export async function startRuntime(options: RuntimeOptions): Promise<RuntimeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-e2e-runtime-'));
  const port = await freePort();
  const config = {
    listen: { host: '127.0.0.1', port },
    storage: `sqlite:${join(dir, 'payment-webhooks.db')}`,
    sources: [{ name: 'stripe', provider: 'stripe', secrets: ['${E2E_STRIPE_SECRET}'], toleranceSeconds: 300 }],
    destinations: [{ name: 'n8n', url: options.destinationUrl, signingSecret: '${E2E_DELIVERY_SECRET}', kinds: ['*'] }],
    retry: { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 2000 },
    ...(options.adminToken && { admin: { token: '${E2E_ADMIN_TOKEN}' } }),
  };
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const env = { E2E_STRIPE_SECRET: options.stripeSecret, E2E_DELIVERY_SECRET: options.deliverySecret, E2E_ADMIN_TOKEN: options.adminToken ?? '' };
  return launchRuntime({ args: ['--config', file], env, dir, port });
}

export interface RuntimeLaunch {
  /** What follows `payment-webhooks start`. */
  args: string[];
  /** Added to the test's environment. */
  env: NodeJS.ProcessEnv;
  /** The working folder (relative storage paths land there); removed at stop. */
  dir: string;
  /** The port the config makes it listen on, at 127.0.0.1. */
  port: number;
}

/** Builds the connector runtime, runs `payment-webhooks start ARGS` in `dir` and waits until it is ready. */
export async function launchRuntime(launch: RuntimeLaunch): Promise<RuntimeProcess> {
  execFileSync('npm', ['run', 'build', '--silent', '-w', 'runtime'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  const { dir, port } = launch;
  const { NODE_ENV: _nodeEnv, ...env } = process.env;
  const child: ChildProcess = spawn(process.execPath, [join(REPO, 'runtime', 'bin', 'payment-webhooks.js'), 'start', ...launch.args], {
    cwd: dir,
    env: { ...env, ...launch.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-100_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the runtime exited (code ${child.exitCode}):\n${output}`);
    }
    const ready = await fetch(`${url}/readyz`).then((response) => response.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the runtime did not become ready:\n${output}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return { url, output: () => output, stop };
}
