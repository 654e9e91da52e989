import { join } from 'node:path';
import { main } from '../../runtime/src/cli';
import type { Runtime } from '../../runtime/src/runtime';
import {
  postWebhook,
  redisStorage,
  startDestination,
  startRuntime,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  writeConfig,
  type Destination,
} from './support/harness';

/**
 * Retries and dead letters: a destination that fails, then recovers; one that never does,
 * and the CLI replay once it is back. The jitter's random source is pinned near 1 so each
 * delay sits at its exponential cap (100, 200, 400 ms) and the growth is observable.
 */
jest.setTimeout(30_000);

const dir = tempDir();
afterAll(() => dir.remove());

const modes = [
  ['sqlite', () => `sqlite:${join(dir.path, `retries-${Date.now()}.db`)}`],
  ['redis', () => redisStorage()],
] as const;

/** The destination's behaviour, switchable while the runtime runs. */
let behaviour: (attempt: number) => number | { status: number; headers?: Record<string, string> } = () => 200;

describe.each(modes)('retries and dead letters (%s storage)', (_mode, makeStorage) => {
  let destination: Destination;
  let deadLetterHook: Destination;
  let runtime: Runtime;
  let url: string;
  let configFile: string;

  beforeAll(async () => {
    destination = await startDestination((attempt) => behaviour(attempt));
    deadLetterHook = await startDestination();
    const options = {
      storage: makeStorage(),
      destinationUrl: destination.url,
      deadLetterUrl: deadLetterHook.url,
      retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 5_000 },
    };
    configFile = writeConfig(dir.path, options);
    ({ runtime, url } = await startRuntime({ ...options, random: () => 0.999 }));
  });
  afterAll(async () => {
    await runtime.close();
    await destination.close();
    await deadLetterHook.close();
  });

  async function send(): Promise<string> {
    const body = stripeEventBody();
    expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
    return `stripe:${JSON.parse(body).id}`;
  }

  async function cli(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([...args, '--config', configFile], { out: (line) => out.push(line), err: (line) => err.push(line), env: process.env, cwd: dir.path });
    return { code, out, err };
  }

  it('delivers on the fourth attempt after three failures, waiting longer each time', async () => {
    behaviour = (attempt) => (attempt < 3 ? 503 : 200);
    const id = await send();
    await waitFor(() => destination.byId().get(id)?.length === 4, 'four attempts');
    const times = destination.byId().get(id)!.map((entry) => entry.at);
    const gaps = times.slice(1).map((at, index) => at - times[index]);
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThan(gaps[0]);
    expect(gaps[2]).toBeGreaterThan(gaps[1]);
    await new Promise((done) => setTimeout(done, 300));
    expect(destination.byId().get(id)).toHaveLength(4);
    expect(await runtime['storage']!.deadLetters.list({ status: 'open' })).toHaveLength(0);
  });

  it('waits as long as Retry-After asks', async () => {
    behaviour = (attempt) => (attempt === 0 ? { status: 429, headers: { 'retry-after': '1' } } : 200);
    const id = await send();
    await waitFor(() => destination.byId().get(id)?.length === 2, 'the retry');
    const [first, second] = destination.byId().get(id)!;
    expect(second.at - first.at).toBeGreaterThanOrEqual(990);
  });

  it('dead-letters a 4xx at once, without retrying', async () => {
    behaviour = () => 422;
    const id = await send();
    await waitFor(async () => (await runtime['storage']!.deadLetters.list({ status: 'open' })).some((r) => r.idempotencyKey === id), 'the dead letter');
    await new Promise((done) => setTimeout(done, 300));
    expect(destination.byId().get(id)).toHaveLength(1);
    const [record] = (await runtime['storage']!.deadLetters.list({ status: 'open' })).filter((r) => r.idempotencyKey === id);
    expect(record).toMatchObject({ attempts: 1, error: { httpStatus: 422 }, origin: { destination: 'n8n' } });
    await runtime['storage']!.deadLetters.setStatus(record.id, 'discarded', 'test cleanup');
  });

  it('dead-letters after the last attempt, notifies the dead-letter URL, and `dead-letters replay` delivers it once back', async () => {
    behaviour = () => 500;
    const id = await send();
    await waitFor(async () => (await runtime['storage']!.deadLetters.list({ status: 'open' })).some((r) => r.idempotencyKey === id), 'the dead letter');
    expect(destination.byId().get(id)).toHaveLength(4);
    const [record] = (await runtime['storage']!.deadLetters.list({ status: 'open' })).filter((r) => r.idempotencyKey === id);
    expect(record).toMatchObject({ attempts: 4, error: { httpStatus: 500 }, event: { idempotencyKey: id } });
    await waitFor(() => deadLetterHook.received.some((entry) => JSON.parse(entry.body).id === record.id), 'the dead-letter notification');

    const listed = await cli('dead-letters', 'list', '--status', 'open');
    expect(listed.code).toBe(0);
    expect(listed.out.join('\n')).toContain(record.id);
    const shown = await cli('dead-letters', 'show', record.id);
    expect(JSON.parse(shown.out.join('\n'))).toMatchObject({ id: record.id, idempotencyKey: id });

    behaviour = () => 200;
    const replayed = await cli('dead-letters', 'replay', record.id);
    expect(replayed).toMatchObject({ code: 0 });
    await waitFor(() => destination.byId().get(id)?.length === 5, 'the replayed delivery');
    await new Promise((done) => setTimeout(done, 300));
    expect(destination.byId().get(id)).toHaveLength(5);
    expect(await runtime['storage']!.deadLetters.get(record.id)).toMatchObject({ status: 'replayed' });

    // A replayed record is not open any more: a second replay is refused.
    expect((await cli('dead-letters', 'replay', record.id)).code).toBe(1);
  });
});
