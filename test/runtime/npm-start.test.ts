import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import {
  postWebhook,
  spawnRuntime,
  startDestination,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  watchRuntime,
  writeConfig,
  type Destination,
  type RuntimeProcess,
} from './support/harness';

/**
 * What systemd, Docker and pm2 do to `npm start`: SIGTERM to the npm process. The runtime
 * under it must stop gracefully too (not linger as an orphan on the port), and an event
 * accepted before must survive into the next start.
 */
jest.setTimeout(180_000);

const REPO = resolve(__dirname, '..', '..');
const dir = tempDir();
let destinationUp = false;
let destination: Destination;
const processes: RuntimeProcess[] = [];
/** The processes `npm start` ran, killed at the end should one outlive npm. */
let runtimePids: number[] = [];

beforeAll(async () => {
  destination = await startDestination(() => (destinationUp ? 200 : 503));
});
afterAll(async () => {
  for (const runtime of processes) if (runtime.child.exitCode === null) runtime.child.kill('SIGKILL');
  for (const pid of runtimePids.filter(alive)) process.kill(pid, 'SIGKILL');
  await destination.close();
  dir.remove();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Every process below `pid`, from the process table. */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const below = (parent: number): number[] => table.filter(([, ppid]) => ppid === parent).flatMap(([child]) => [child, ...below(child)]);
  return below(pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm start -- --config FILE` from the repository root, in a process group of its own when `detached`. */
async function npmStart(config: string, detached = false): Promise<{ npm: RuntimeProcess; url: string }> {
  const npm = watchRuntime(
    spawn('npm', ['start', '--', '--config', config], { cwd: REPO, env: process.env, detached, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  processes.push(npm);
  const url = await npm.listening;
  runtimePids = descendants(npm.child.pid!);
  expect(runtimePids.length).toBeGreaterThan(0);
  return { npm, url };
}

/**
 * npm may exit before the runtime under it has finished stopping (npm 11, on a SIGINT to its group,
 * was seen to die of the signal while the runtime still finished its delivery), and a process's last
 * output can be read after its exit: so every process is waited for, then the runtime's last line.
 */
async function expectStoppedGracefully(npm: RuntimeProcess): Promise<void> {
  await npm.exited;
  await waitFor(() => runtimePids.every((pid) => !alive(pid)), 'every process under npm to exit', 10_000);
  await waitFor(() => npm.logs.some((entry) => entry.msg === 'payment-webhooks stopped'), 'the runtime to log that it stopped', 5_000);
}

it('SIGTERM to `npm start` stops the runtime, frees the port and loses nothing', async () => {
  const port = await freePort();
  const config = writeConfig(dir.path, {
    storage: `sqlite:${join(dir.path, 'npm-start.db')}`,
    destinationUrl: destination.url,
    port,
    logLevel: 'info',
    // Attempts enough that the refused event is still queued at the SIGTERM, whatever the timing.
    retry: { maxAttempts: 1_000, initialDelayMs: 2_000, maxDelayMs: 2_000 },
  });
  const { npm, url } = await npmStart(config);

  const body = stripeEventBody();
  const key = `stripe:${JSON.parse(body).id}`;
  expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
  await waitFor(() => destination.byId().get(key)?.length === 1, 'the first (refused) delivery attempt');

  npm.child.kill('SIGTERM');
  await expectStoppedGracefully(npm);
  await expect(postWebhook(url, 'stripe', body, stripeSigned(body))).rejects.toThrow();

  // The next start (same port, so it is free) delivers the event it had accepted.
  destinationUp = true;
  const next = spawnRuntime(['start', '--config', config]);
  processes.push(next);
  await next.listening;
  await waitFor(() => destination.accepted().get(key) === 1, 'the stored event to be delivered after the restart', 30_000);
  next.child.kill('SIGTERM');
  expect(await next.exited).toBe(0);
});

it('Ctrl-C on `npm start` (SIGINT to the process group, forwarded once more by npm) still finishes the delivery in flight', async () => {
  const slow = await startDestination(() => ({ status: 200, delayMs: 1_500 }));
  try {
    const config = writeConfig(dir.path, {
      storage: `sqlite:${join(dir.path, 'npm-start-sigint.db')}`,
      destinationUrl: slow.url,
      logLevel: 'info',
    });
    const { npm, url } = await npmStart(config, true);
    const body = stripeEventBody();
    expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
    await waitFor(() => slow.received.length === 1, 'the delivery to start');

    process.kill(-npm.child.pid!, 'SIGINT');
    await expectStoppedGracefully(npm);
    expect(npm.logs.some((entry) => entry.msg === 'delivered')).toBe(true);
  } finally {
    await slow.close();
  }
});
