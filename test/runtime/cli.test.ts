import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { allProviders } from '../../core/providers';
import { main } from '../../runtime/src/cli';
import { freePort } from '../support/redis-server';
import { configObject, postWebhook, silentServer, startDestination, startRuntime, stripeEventBody, stripeSigned, tempDir, waitFor, type Destination } from './support/harness';
import type { Runtime } from '../../runtime/src/runtime';
import { openStorage } from '../../runtime/src/storage/open';
import type { PaymentEvent } from '../../core/event';
import type { DeadLetterStatus } from '../../core/deadletter/types';
import { paymentEvent } from '../unit/risk/events';

/** The `payment-webhooks` command, run in-process with its output captured. */
jest.setTimeout(30_000);

const dir = tempDir();
afterAll(() => dir.remove());

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line), env, cwd: dir.path });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function write(name: string, content: unknown): string {
  const file = join(dir.path, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const base = () => configObject({ storage: 'sqlite:./data/test.db', destinationUrl: 'http://127.0.0.1:5678/webhook/payments' });

describe('config check', () => {
  it('accepts a valid YAML config with ${ENV} substitution and defaults', async () => {
    const file = write(
      'good.yaml',
      [
        'storage: sqlite:./data/test.db',
        'sources:',
        '  - { name: stripe, provider: stripe, secrets: ["${STRIPE_SECRET}"] }',
        'destinations:',
        '  - { name: n8n, url: "${N8N_URL:-http://127.0.0.1:5678/webhook/payments}", signingSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }',
      ].join('\n'),
    );
    const result = await cli(['config', 'check', file], { STRIPE_SECRET: 'whsec_from_env' });
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining('ok (1 source(s), 1 destination(s), storage sqlite)') });
  });

  it('names each wrong field, with a suggestion for a misspelled provider, key or kind', async () => {
    const config = base() as Record<string, any>;
    config.sources.push({ name: 'second', provider: 'strpe', secrets: ['x'] });
    config.destinations[0].kinds = ['payment.succeded'];
    config.retyr = {};
    config.listen.port = 'eighty';
    const result = await cli(['config', 'check', write('bad.json', config)]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('sources[1].provider: unknown provider "strpe"; did you mean "stripe"?');
    expect(result.err).toContain('destinations[0].kinds[0]: unknown event kind "payment.succeded"; did you mean "payment.succeeded"?');
    expect(result.err).toContain('retyr: unknown field; did you mean "retry"?');
    expect(result.err).toContain('listen.port: must be an integer');
  });

  it('names the field whose environment variable is missing, and never prints a secret', async () => {
    const config = base() as Record<string, any>;
    config.sources[0].secrets = ['${STRIPE_SECRET_THAT_IS_NOT_SET}'];
    const result = await cli(['config', 'check', write('env.json', config)]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('sources[0].secrets[0]: environment variable STRIPE_SECRET_THAT_IS_NOT_SET is not set');
    expect(result.err).not.toContain('whsec_');
  });

  it('checks TLS files, storage and the generic-hmac fields', async () => {
    const config = base() as Record<string, any>;
    config.listen.tls = { cert: join(dir.path, 'missing.crt'), key: join(dir.path, 'missing.key') };
    expect((await cli(['config', 'check', write('tls.json', config)])).err).toContain('listen.tls.cert: cannot read');
    config.listen.tls = undefined;
    config.storage = 'postgres://db';
    config.sources.push({ name: 'custom', provider: 'generic-hmac', secrets: ['s'] });
    const result = await cli(['config', 'check', write('storage.json', config)]);
    expect(result.err).toContain('storage: must be "sqlite:PATH" or a redis:// URL');
    expect(result.err).toContain('sources[1].header: is required for a generic-hmac source');
  });

  it('reports an unreadable or unparsable file', async () => {
    expect((await cli(['config', 'check', join(dir.path, 'nope.yaml')])).err).toContain('cannot be read: ENOENT');
    expect((await cli(['config', 'check', write('broken.yaml', 'sources: [')])).err).toContain('cannot be parsed');
  });
});

it('suggests a command for a typo', async () => {
  expect(await cli(['dead-leters'])).toMatchObject({ code: 2, err: expect.stringContaining('did you mean "dead-letters"?') });
});

/**
 * `send-test-event` for every provider that can sign, against a runtime with one source
 * per provider: each event is signed as the gateway would, verified and accepted.
 */
describe('send-test-event', () => {
  const signing = allProviders().filter((provider) => provider.sign && provider.example);
  /** Secrets in each gateway's own format, and the fields some schemes sign with. */
  const secretFor: Record<string, string> = {
    'standard-webhooks': `whsec_${randomBytes(24).toString('base64')}`,
    adyen: randomBytes(32).toString('hex').toUpperCase(),
    chargebee: 'hooks:chargebee-password',
  };
  const fieldsFor = (port: number): Record<string, Record<string, string>> => ({
    square: { notificationUrl: `http://127.0.0.1:${port}/webhooks/square` },
    'generic-hmac': { header: 'x-signature', prefix: 'sha256=', algorithm: 'sha256', encoding: 'hex' },
    braintree: { publicKey: 'runtime_test_public_key' },
    // Their sources need the API fields to confirm events, though these tests send them none.
    mollie: { apiKey: 'test_mollie_api_key' },
    chargebee: { site: 'acme-test', apiKey: 'test_chargebee_api_key' },
  });
  let runtime: Runtime;
  let url: string;
  let destination: Destination;
  let port: number;

  beforeAll(async () => {
    destination = await startDestination();
    port = await freePort();
    const options = { storage: `sqlite:${join(dir.path, 'send.db')}`, destinationUrl: destination.url, port };
    const sources = signing.map((provider) => ({
      name: provider.id,
      provider: provider.id,
      secrets: [secretFor[provider.id] ?? `${provider.id}-test-secret`],
      ...fieldsFor(port)[provider.id],
    }));
    ({ runtime, url } = await startRuntime({ ...options, sources }));
  });
  afterAll(async () => {
    await runtime.close();
    await destination.close();
  });

  it.each(signing.filter((provider) => !provider.confirm).map((provider) => provider.id))('%s: signed as the gateway signs, accepted and delivered', async (id) => {
    const fields = Object.entries(fieldsFor(port)[id] ?? {}).flatMap(([name, value]) => ['--field', `${name}=${value}`]);
    const before = destination.received.length;
    const result = await cli(['send-test-event', '--provider', id, '--secret', secretFor[id] ?? `${id}-test-secret`, '--url', `${url}/webhooks/${id}`, '--kind', 'payment.succeeded', ...fields]);
    expect(result).toMatchObject({ code: 0, out: expect.stringMatching(/^200 /) });
    await waitFor(() => destination.received.slice(before).some((entry) => JSON.parse(entry.body).provider === id), `the ${id} delivery`);
  });

  it('is refused with the wrong secret', async () => {
    const result = await cli(['send-test-event', '--provider', 'stripe', '--secret', 'whsec_wrong', '--url', `${url}/webhooks/stripe`]);
    expect(result).toMatchObject({ code: 1, out: expect.stringMatching(/^401 /) });
  });
});

describe('help', () => {
  const commands = ['start', 'config', 'dead-letters', 'send-test-event'];

  it.each(commands)('%s: --help, -h and `help COMMAND` print its usage on stdout and exit 0', async (command) => {
    for (const args of [[command, '--help'], [command, '-h'], ['help', command]]) {
      expect(await cli(args)).toEqual({ code: 0, out: expect.stringMatching(new RegExp(`^usage: payment-webhooks ${command}`)), err: '' });
    }
  });

  it('prints every command for `help`, `--help` and `-h`, listing the --from/--to filters', async () => {
    for (const args of [['help'], ['--help'], ['-h']]) {
      const result = await cli(args);
      expect(result).toMatchObject({ code: 0, err: '' });
      for (const command of commands) expect(result.out).toContain(`  ${command}`);
      expect(result.out).toContain('--from ISO --to ISO');
    }
  });

  it('answers --help anywhere after the command, and a bare call with the usage on stderr', async () => {
    expect(await cli(['dead-letters', 'replay', '--all', '--help'])).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: payment-webhooks dead-letters/) });
    expect(await cli([])).toMatchObject({ code: 2, out: '', err: expect.stringContaining('usage: payment-webhooks') });
  });
});

describe('errors that say what to check', () => {
  it('send-test-event to a runtime that is not running names the URL, the cause and what to check', async () => {
    const url = `http://127.0.0.1:${await freePort()}/webhooks/stripe`;
    const result = await cli(['send-test-event', '--provider', 'stripe', '--secret', 'whsec_test', '--url', url]);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toContain(`cannot reach ${url} (ECONNREFUSED): is the runtime running`);
    expect(result.err).not.toContain('fetch failed');
  });

  it('dead-letters on a Redis that does not answer names the storage and what to check', async () => {
    const config = { ...base(), storage: `redis://127.0.0.1:${await freePort()}/0` };
    const file = write('redis-down.json', config);
    const result = await cli(['dead-letters', 'list', '--config', file]);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toContain(`cannot open the storage ${config.storage}`);
    expect(result.err).toContain(`is Redis running and reachable there? Check \`storage\` in ${file}.`);
  });

  describe('a start that cannot begin names what to check, and leaves no signal listener behind', () => {
    async function start(name: string, config: Record<string, unknown>) {
      const listeners = process.listenerCount('SIGTERM');
      const file = write(name, config);
      const result = await cli(['start', '--config', file]);
      expect(result).toMatchObject({ code: 1, out: '' });
      expect(process.listenerCount('SIGTERM')).toBe(listeners);
      return { ...result, file };
    }

    it('Redis refusing the connection: the cause, not "Connection is closed.", and no password', async () => {
      const port = await freePort();
      const { err, file } = await start('start-redis-down.json', { ...base(), storage: `redis://worker:s3cret-pass@127.0.0.1:${port}/0` });
      expect(err).toBe(`error: cannot open the storage redis://127.0.0.1:${port}/0 (ECONNREFUSED): is Redis running and reachable there? Check \`storage\` in ${file}.`);
      expect(err).not.toContain('s3cret-pass');
    });

    it('a server that accepts the connection and never answers: given up after limits.storeTimeoutMs', async () => {
      const silent = await silentServer();
      try {
        const started = Date.now();
        const { err } = await start('start-redis-silent.json', { ...base(), storage: `redis://127.0.0.1:${silent.port}`, limits: { storeTimeoutMs: 300 } });
        expect(err).toContain(`cannot open the storage redis://127.0.0.1:${silent.port} (Redis's first answer took longer than 300 ms): is Redis running and reachable there?`);
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await silent.close();
      }
    });

    it('a SQLite path whose directory cannot be made, or a file that is not a database', async () => {
      const blocker = write('not-a-directory', 'a file where the directory should be');
      const below = await start('start-sqlite-no-dir.json', { ...base(), storage: `sqlite:${blocker}/events.db` });
      expect(below.err).toContain(`cannot open the storage sqlite:${blocker}/events.db (EEXIST): does its directory exist, and may this user write there? Check \`storage\` in ${below.file}.`);

      const garbage = write('garbage.db', 'x'.repeat(4096));
      const notADatabase = await start('start-sqlite-garbage.json', { ...base(), storage: `sqlite:${garbage}` });
      expect(notADatabase.err).toContain(`cannot open the storage sqlite:${garbage} (SQLITE_NOTADB): is that file a database this runtime wrote?`);
    });

    it('a listen address another program holds', async () => {
      const holder = createServer();
      await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done));
      const { port } = holder.address() as AddressInfo;
      try {
        const config = { ...base(), storage: `sqlite:${join(dir.path, 'data', 'start-port-taken.db')}`, listen: { host: '127.0.0.1', port } };
        const { err, file } = await start('start-port-taken.json', config);
        expect(err).toContain(`EADDRINUSE`);
        expect(err).toContain(`is another runtime, or another program, listening there? Check \`listen\` (and \`ops.listen\`) in ${file}.`);
      } finally {
        await new Promise((done) => holder.close(done));
      }
    });
  });

  it('one missing environment variable is one error', async () => {
    const config = base() as Record<string, any>;
    config.admin = { token: '${ADMIN_TOKEN_THAT_IS_NOT_SET}' };
    config.destinations[0].url = 'http://${N8N_HOST_THAT_IS_NOT_SET}:5678/webhook/payments';
    const result = await cli(['config', 'check', write('two-missing.json', config)]);
    expect(result.code).toBe(1);
    expect(result.err.split('\n').slice(1)).toEqual([
      '  destinations[0].url: environment variable N8N_HOST_THAT_IS_NOT_SET is not set',
      '  admin.token: environment variable ADMIN_TOKEN_THAT_IS_NOT_SET is not set',
    ]);
  });
});

describe('results on stdout, diagnostics on stderr', () => {
  let destination: Destination;
  let runtime: Runtime;
  let file: string;

  beforeAll(async () => {
    destination = await startDestination(() => 422);
    const options = { storage: `sqlite:${join(dir.path, 'streams.db')}`, destinationUrl: destination.url };
    file = write('streams.json', configObject(options));
    let url: string;
    ({ runtime, url } = await startRuntime(options));
    for (let index = 0; index < 2; index += 1) {
      const body = stripeEventBody();
      expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
    }
    await waitFor(async () => (await cli(['dead-letters', 'list', '--config', file])).out.split('\n').filter(Boolean).length === 2, 'two dead letters');
  });
  afterAll(async () => {
    await runtime.close();
    await destination.close();
  });

  it('`dead-letters replay --all --dry-run` prints its count on stdout, so $(…) captures it', async () => {
    expect(await cli(['dead-letters', 'replay', '--all', '--dry-run', '--config', file])).toEqual({ code: 0, out: '2 open dead letter(s) match', err: '' });
  });

  it('`dead-letters list` prints the records on stdout and their count on stderr', async () => {
    const result = await cli(['dead-letters', 'list', '--config', file]);
    expect(result.out.split('\n')).toHaveLength(2);
    expect(result.err).toBe('2 dead letter(s)');
  });
});

/**
 * `dead-letters replay --all --dry-run` over dead letters seeded in a real SQLite runtime storage:
 * the count on stdout is the open records the filters match, and nothing is requeued or changes status.
 */
describe('dead-letters replay --all --dry-run', () => {
  const storage = `sqlite:${join(dir.path, 'dry-run.db')}`;
  interface Seeded { provider: string; kind: PaymentEvent['kind']; status: DeadLetterStatus; failedAt: string; error: string }
  const seeded: Seeded[] = [
    { provider: 'stripe', kind: 'payment.failed', status: 'open', failedAt: '2026-06-01T10:00:00.000Z', error: 'HTTP 500 from n8n' },
    { provider: 'stripe', kind: 'payment.failed', status: 'open', failedAt: '2026-06-02T10:00:00.000Z', error: 'connection refused' },
    { provider: 'stripe', kind: 'payment.failed', status: 'open', failedAt: '2026-06-03T10:00:00.000Z', error: 'HTTP 500 from n8n' },
    { provider: 'stripe', kind: 'payment.succeeded', status: 'open', failedAt: '2026-06-02T12:00:00.000Z', error: 'HTTP 500 from n8n' },
    { provider: 'adyen', kind: 'payment.failed', status: 'open', failedAt: '2026-06-02T14:00:00.000Z', error: 'connection refused' },
    { provider: 'adyen', kind: 'payment.failed', status: 'open', failedAt: '2026-06-03T14:00:00.000Z', error: 'HTTP 500 from n8n' },
    { provider: 'stripe', kind: 'payment.failed', status: 'replayed', failedAt: '2026-06-02T16:00:00.000Z', error: 'HTTP 500 from n8n' },
    { provider: 'adyen', kind: 'payment.failed', status: 'discarded', failedAt: '2026-06-02T18:00:00.000Z', error: 'connection refused' },
  ];
  let file: string;
  let statuses: Record<string, DeadLetterStatus>;

  beforeAll(async () => {
    file = write('dry-run.json', configObject({ storage, destinationUrl: 'http://127.0.0.1:5678/webhook/payments' }));
    const store = await openStorage(storage, { destinations: ['n8n'] });
    try {
      for (const entry of seeded) {
        const event = paymentEvent({ provider: entry.provider, kind: entry.kind });
        const record = await store.deadLetters.add({
          idempotencyKey: `${entry.provider}:${event.id}`, provider: entry.provider, kind: entry.kind, event,
          origin: { destination: 'n8n' }, error: { message: entry.error }, failedAt: entry.failedAt,
        });
        if (entry.status !== 'open') await store.deadLetters.setStatus(record.id, entry.status);
      }
      statuses = Object.fromEntries((await store.deadLetters.list()).map((record) => [record.id, record.status]));
    } finally {
      await store.close();
    }
  });

  it.each([
    { filters: [], matches: (_entry: Seeded) => true },
    { filters: ['--provider', 'stripe'], matches: (entry: Seeded) => entry.provider === 'stripe' },
    { filters: ['--provider', 'stripe', '--kind', 'payment.failed'], matches: (entry: Seeded) => entry.provider === 'stripe' && entry.kind === 'payment.failed' },
    { filters: ['--error', 'REFUSED'], matches: (entry: Seeded) => entry.error === 'connection refused' },
    {
      filters: ['--from', '2026-06-02T00:00:00.000Z', '--to', '2026-06-02T23:59:59.999Z', '--kind', 'payment.failed'],
      matches: (entry: Seeded) => entry.failedAt.startsWith('2026-06-02') && entry.kind === 'payment.failed',
    },
  ])('$filters: counts the open records that match and replays none', async ({ filters, matches }) => {
    const expected = seeded.filter((entry) => entry.status === 'open' && matches(entry)).length;
    expect(await cli(['dead-letters', 'replay', '--all', '--dry-run', ...filters, '--config', file])).toEqual({
      code: 0, out: `${expected} open dead letter(s) match`, err: '',
    });
    const store = await openStorage(storage, { destinations: ['n8n'] });
    try {
      expect(Object.fromEntries((await store.deadLetters.list()).map((record) => [record.id, record.status]))).toEqual(statuses);
      expect(await store.backlog()).toBe(0);
    } finally {
      await store.close();
    }
  });
});
