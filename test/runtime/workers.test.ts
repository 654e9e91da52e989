import {
  postWebhook,
  redisStorage,
  spawnRuntime,
  startDestination,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  writeConfig,
  type Destination,
  type RuntimeProcess,
} from './support/harness';

/**
 * Redis mode scaled out: one ingress process and two worker processes on one Redis. The
 * workers share the backlog, and the job lease keeps any event from going out twice.
 */
jest.setTimeout(60_000);

const EVENTS = 200;
const dir = tempDir();
let destination: Destination;
const processes: RuntimeProcess[] = [];

beforeAll(async () => {
  destination = await startDestination(() => ({ status: 200, delayMs: 10 }));
});
afterAll(async () => {
  for (const runtime of processes) runtime.child.kill('SIGTERM');
  await Promise.all(processes.map((runtime) => runtime.exited));
  await destination.close();
  dir.remove();
});

function deliveredBy(worker: RuntimeProcess): string[] {
  return worker.logs.filter((entry) => entry.msg === 'delivered').map((entry) => String(entry.eventKey));
}

it('two workers share the work and no event is delivered by both', async () => {
  const config = writeConfig(dir.path, {
    storage: redisStorage(),
    destinationUrl: destination.url,
    concurrency: 2,
    logLevel: 'debug',
  });
  const workers = [spawnRuntime(['start', '--config', config, '--role', 'worker']), spawnRuntime(['start', '--config', config, '--role', 'worker'])];
  const ingress = spawnRuntime(['start', '--config', config, '--role', 'ingress']);
  processes.push(...workers, ingress);
  await Promise.all(workers.map((worker) => worker.workerStarted));
  const url = await ingress.listening;

  const bodies = Array.from({ length: EVENTS }, () => stripeEventBody());
  for (let offset = 0; offset < EVENTS; offset += 20) {
    const statuses = await Promise.all(
      bodies.slice(offset, offset + 20).map(async (body) => (await postWebhook(url, 'stripe', body, stripeSigned(body))).status),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
  }
  const ids = bodies.map((body) => `stripe:${JSON.parse(body).id}`);
  await waitFor(
    () => {
      const accepted = destination.accepted();
      return ids.every((id) => accepted.has(id));
    },
    'every delivery',
    40_000,
  );
  await new Promise((done) => setTimeout(done, 500));

  const counts = destination.byId();
  expect(ids.filter((id) => counts.get(id)!.length !== 1)).toEqual([]);
  const [first, second] = workers.map((worker) => new Set(deliveredBy(worker)));
  expect(first.size).toBeGreaterThan(0);
  expect(second.size).toBeGreaterThan(0);
  expect(first.size + second.size).toBe(EVENTS);
  expect([...first].filter((id) => second.has(id))).toEqual([]);
});
