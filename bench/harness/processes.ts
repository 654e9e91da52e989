import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { freePort } from '../../test/support/redis-server';
import type { LoadPlan, StepResult } from './loadgen';

export const REPO = resolve(__dirname, '..', '..');
const TS_HOOK = join(REPO, 'scripts', 'ts-hook.js');
const RUNTIME_BIN = join(REPO, 'runtime', 'bin', 'payment-webhooks.js');
const RUNTIME_SOURCE = join(REPO, 'runtime', 'src', 'main.ts');

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * Builds the runtime so it runs as users run it (its bin). Should the build fail, the
 * same sources run transpiled on load, and the report says so.
 */
export function prepareRuntime(): { entry: string[]; how: string } {
  const build = spawnSync('npm', ['run', 'build', '--silent', '-w', 'runtime'], { cwd: REPO, encoding: 'utf8' });
  if (build.status === 0) return { entry: [RUNTIME_BIN], how: 'the built runtime bin' };
  process.stderr.write(`runtime build failed, running its sources instead:\n${build.stdout}${build.stderr}\n`);
  return { entry: ['-r', TS_HOOK, RUNTIME_SOURCE], how: 'the runtime sources, transpiled on load (the build failed)' };
}

/** Resident set size of a process in MB (Linux /proc, else `ps`). */
export function rssMb(pid: number): number {
  const status = `/proc/${pid}/status`;
  if (existsSync(status)) {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  return Number(ps.stdout.trim()) / 1024;
}

/** CPU seconds a process has used so far (user + system), from /proc; undefined elsewhere. */
export function cpuSeconds(pid: number): number | undefined {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return undefined;
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(stat, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Linux CPU pressure: the share of the last minute in which some runnable task waited for
 * a CPU (/proc/pressure/cpu). High values mean other work on the machine took cores.
 */
export function cpuPressure(): number | undefined {
  const file = '/proc/pressure/cpu';
  if (!existsSync(file)) return undefined;
  const match = /some avg10=[\d.]+ avg60=([\d.]+)/.exec(readFileSync(file, 'utf8'));
  return match ? Number(match[1]) / 100 : undefined;
}

export interface RuntimeProcess {
  readonly pid: number;
  readonly url: string;
  /** `performance.now()` when it was spawned (a CPU profile's clock starts about then). */
  readonly spawnedAt: number;
  /** Null while it runs. */
  exitCode(): number | null;
  /** The tail of its log, for failure messages. */
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 30 s). */
  stop(): Promise<void>;
}

export interface RuntimeLaunch {
  entry: string[];
  config: Record<string, unknown>;
  role: 'ingress' | 'worker' | 'both';
  /** Folder for the config file and the process's log. */
  workDir: string;
  name: string;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** Added to the bench's environment. */
  env?: Record<string, string>;
}

/** Node flags that preload bench/harness/stall-probe.ts (it watches when BENCH_STALL_FILE is set). */
export const STALL_PROBE_FLAGS = ['-r', TS_HOOK, '-r', join(__dirname, 'stall-probe.ts')];

/** Spawns `payment-webhooks start` as a child process and waits until it says it is up. */
export async function startRuntime(launch: RuntimeLaunch): Promise<RuntimeProcess> {
  mkdirSync(launch.workDir, { recursive: true });
  const port = await freePort();
  const configFile = join(launch.workDir, `${launch.name}.config.json`);
  writeFileSync(configFile, JSON.stringify({ listen: { host: '127.0.0.1', port }, log: { level: 'info' }, ...launch.config }, null, 2));
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(launch.nodeFlags ?? []), ...launch.entry, 'start', '--config', configFile, '--role', launch.role], {
    cwd: launch.workDir,
    env: { ...process.env, ...launch.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const ready = /payment-webhooks (listening|worker started)/;
  const deadline = Date.now() + 60_000;
  while (!ready.test(output)) {
    if (child.exitCode !== null) throw new Error(`runtime ${launch.name} exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`runtime ${launch.name} did not start within 60 s:\n${output}`);
    }
    await sleep(50);
  }
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    spawnedAt,
    exitCode: () => child.exitCode ?? (child.signalCode ? 128 : null),
    output: () => output,
    stop: () => stopChild(child),
  };
}

/** Spawns bench/harness/bare-server.ts (an HTTP server that answers 200 at once) and waits for its port. */
export async function startBareServer(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['-r', TS_HOOK, join(__dirname, 'bare-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the bare server exited (${code}) before it listened`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Runs the load generator in its own process and returns its step results. */
export async function runLoad(plan: LoadPlan, workDir: string, name: string): Promise<StepResult[]> {
  const outFile = join(workDir, `${name}.load.json`);
  const child = spawn(process.execPath, ['--max-old-space-size=4096', '-r', TS_HOOK, join(__dirname, 'loadgen.ts'), JSON.stringify(plan), outFile], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`load generator ${name} failed (exit ${code})`);
  return (JSON.parse(readFileSync(outFile, 'utf8')) as { steps: StepResult[] }).steps;
}

/** A loopback destination that answers every request at once and counts what arrives. */
export interface Sink {
  readonly url: string;
  /** Distinct `webhook-id`s received. */
  readonly ids: Set<string>;
  received: number;
  firstAt?: number;
  lastAt?: number;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const port = await freePort();
  const sink: Sink = {
    url: `http://127.0.0.1:${port}/deliveries`,
    ids: new Set(),
    received: 0,
    close: () => new Promise((done) => server.close(() => done())),
  };
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const now = performance.now();
      sink.firstAt ??= now;
      sink.lastAt = now;
      sink.received += 1;
      sink.ids.add(String(request.headers['webhook-id']));
      response.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return sink;
}
