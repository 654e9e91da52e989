import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/redis-server';
import { ExecutionLog } from './executions';
import { ensureN8n, majorOf, pathFor } from './n8n-install';

const run = promisify(execFile);

/** A credential as `n8n import:credentials` takes it: `data` in clear, n8n encrypts it on import. */
export interface CredentialExport {
  id: string;
  name: string;
  type: string;
  data: Record<string, unknown>;
}

/** The part of an n8n workflow export the harness needs; the rest passes through untouched. */
export interface WorkflowExport {
  id: string;
  name: string;
  nodes: Array<{ name: string; type: string; parameters: Record<string, unknown>; webhookId?: string; disabled?: boolean; [key: string]: unknown }>;
  connections: Record<string, unknown>;
  settings?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface N8nOptions {
  version: string;
  /** Our package, packed; installed as n8n installs community packages. */
  tarball: string;
  credentials: CredentialExport[];
  workflows: WorkflowExport[];
  /** POST webhook paths (after /webhook/) that must answer before the instance counts as ready. */
  webhookPaths: string[];
  /** Extra environment for n8n, read by workflows through `$env`. */
  env?: Record<string, string>;
  /**
   * `n8n worker` processes to start next to the main one (queue mode: EXECUTIONS_MODE=queue and a
   * shared database in `env`), each with extra environment of its own on top of the main's.
   */
  workers?: Array<{ env?: Record<string, string> }>;
}

/** One running n8n process (the main one or a worker). */
export interface N8nProcess {
  readonly child: ChildProcess;
  /** Its output so far, for failure messages and for what it logged. */
  output(): string;
  /** Ends it (SIGTERM, then SIGKILL after 20 s); returns at once when it has exited already. */
  stop(): Promise<void>;
}

export interface N8nInstance {
  readonly version: string;
  readonly baseUrl: string;
  readonly executions: ExecutionLog;
  /** The `n8n worker` processes, in the order of `options.workers`. */
  readonly workers: N8nProcess[];
  webhookUrl(path: string): string;
  /** n8n's output so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

// n8n boots slowly on a 2-core machine, and each CLI command boots it again.
const CLI_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 180_000;

/**
 * Starts a real n8n of the given version in a private user folder: installs our package,
 * imports credentials and workflows, activates the workflows and waits until their
 * webhooks answer.
 */
export async function startN8n(options: N8nOptions): Promise<N8nInstance> {
  const bin = ensureN8n(options.version);
  const home = mkdtempSync(join(tmpdir(), `pw-e2e-n8n-${options.version}-`));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...inheritedEnvironment(),
    PATH: pathFor(options.version),
    ...quietEnvironment(home, port, await freePort()),
    ...options.env,
  };
  const cli = async (...args: string[]) => {
    try {
      // SIGKILL on timeout: a hung n8n CLI may ignore SIGTERM and outlive the test run.
      await run(bin, args, { env, timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`n8n ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
    }
  };

  await installCommunityPackage(home, options.tarball, env);
  const imports = join(home, 'import');
  const workflowsDir = join(imports, 'workflows');
  mkdirSync(workflowsDir, { recursive: true });
  if (options.credentials.length > 0) {
    writeFileSync(join(imports, 'credentials.json'), JSON.stringify(options.credentials));
    await cli('import:credentials', `--input=${join(imports, 'credentials.json')}`);
  }
  for (const workflow of options.workflows) {
    writeFileSync(join(workflowsDir, `${workflow.id}.json`), JSON.stringify({ active: false, ...workflow }));
  }
  await cli('import:workflow', '--separate', `--input=${workflowsDir}`);
  await activate(options, cli);

  const main = launch(bin, ['start'], env);
  const child = main.child;
  const workers: N8nProcess[] = [];
  const workerReadiness: string[] = [];
  for (const worker of options.workers ?? []) {
    const healthPort = await freePort();
    const server = {
      N8N_RUNNERS_BROKER_PORT: String(await freePort()),
      // The worker's own server answers /healthz/readiness once it reaches its database and Redis.
      QUEUE_HEALTH_CHECK_ACTIVE: 'true',
      QUEUE_HEALTH_CHECK_PORT: String(healthPort),
      N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
    };
    workers.push(launch(bin, ['worker'], { ...env, ...server, ...worker.env }));
    workerReadiness.push(`http://127.0.0.1:${healthPort}/healthz/readiness`);
  }
  const output = () => [main, ...workers].map((running) => running.output()).join('\n--- worker ---\n');

  const baseUrl = `http://127.0.0.1:${port}`;
  const instance: N8nInstance = {
    version: options.version,
    baseUrl,
    executions: new ExecutionLog(join(home, '.n8n', 'database.sqlite'), join(bin, '..', '..'), output),
    workers,
    webhookUrl: (path) => `${baseUrl}/webhook/${path}`,
    output,
    stop: async () => {
      instance.executions.close();
      await Promise.all([main, ...workers].map((running) => running.stop()));
      rmSync(home, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil(() => answers(`${baseUrl}/healthz`), START_TIMEOUT_MS, child, 'n8n /healthz');
    for (const path of options.webhookPaths) {
      await waitUntil(() => webhookRegistered(instance.webhookUrl(path)), START_TIMEOUT_MS, child, `webhook ${path}`);
    }
    for (const [index, url] of workerReadiness.entries()) {
      await waitUntil(() => answers(url), START_TIMEOUT_MS, workers[index].child, `worker ${index + 1} ${url}`);
    }
  } catch (error) {
    await instance.stop();
    throw new Error(`${(error as Error).message}\n--- n8n output ---\n${output().slice(-8000)}`);
  }
  return instance;
}

function launch(bin: string, args: string[], env: NodeJS.ProcessEnv): N8nProcess {
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return { child, output: () => output, stop: () => stopProcess(child) };
}

/** The test process's environment without what Jest sets: n8n behaves differently under NODE_ENV=test. */
function inheritedEnvironment(): NodeJS.ProcessEnv {
  const { NODE_ENV: _nodeEnv, JEST_WORKER_ID: _worker, ...rest } = process.env;
  return rest;
}

function quietEnvironment(home: string, port: number, brokerPort: number): NodeJS.ProcessEnv {
  return {
    N8N_USER_FOLDER: home,
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    WEBHOOK_URL: `http://127.0.0.1:${port}/`,
    N8N_RUNNERS_BROKER_PORT: String(brokerPort),
    N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    DB_SQLITE_POOL_SIZE: '4',
    // Templates read base URLs (CRM, accounting, Stripe API) from the environment.
    N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
    N8N_LOG_LEVEL: 'info',
    EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
    EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
    GENERIC_TIMEZONE: 'UTC',
  };
}

/**
 * Installs our packed package the way n8n's own community-package installer does (followed:
 * `CommunityPackagesService.downloadPackage` in n8n 2.40.7's dist/modules/community-packages/community-packages.service.js;
 * 2.8.4 and 1.123.81 do the same): the tarball unpacked into nodes/node_modules/<name>, its dev, peer and
 * optional dependencies dropped from its package.json, `npm install` with the installer's flags in that folder,
 * and the package listed in nodes/package.json. The nodes then run against the n8n-workflow of the n8n that
 * loads them (n8n puts its own module paths on NODE_PATH), where a plain `npm install <tarball>` would add a
 * second one as the peer dependency. The installer also records the package in n8n's database; n8n loads every
 * package in nodes/node_modules at start without that record.
 */
async function installCommunityPackage(home: string, tarball: string, env: NodeJS.ProcessEnv): Promise<void> {
  const nodesDir = join(home, '.n8n', 'nodes');
  const { stdout: packed } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
  const { name, version } = JSON.parse(packed) as { name: string; version: string };
  const packageDir = join(nodesDir, 'node_modules', name);
  mkdirSync(packageDir, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
  const manifestFile = join(packageDir, 'package.json');
  const { devDependencies: _dev, peerDependencies: _peer, optionalDependencies: _optional, ...manifest } = JSON.parse(
    readFileSync(manifestFile, 'utf8'),
  ) as Record<string, unknown>;
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  await run(
    'npm',
    ['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false'],
    { cwd: packageDir, env, timeout: CLI_TIMEOUT_MS },
  );
  writeFileSync(join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [name]: version } }, null, 2));
}

/** Import leaves workflows inactive; 1.x activates with update:workflow, 2.x publishes. */
async function activate(options: N8nOptions, cli: (...args: string[]) => Promise<void>): Promise<void> {
  if (majorOf(options.version) < 2) {
    await cli('update:workflow', '--all', '--active=true');
    return;
  }
  for (const workflow of options.workflows) await cli('publish:workflow', `--id=${workflow.id}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/**
 * A POST-only webhook answers GET with 404 "not registered for GET requests" once it is
 * registered, and with a plain "not registered" 404 before.
 */
async function webhookRegistered(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'GET' });
    if (response.status !== 404) return true;
    return /not registered for GET/i.test(await response.text());
  } catch {
    return false;
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`n8n exited (code ${child.exitCode}) while waiting for ${what}`);
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
