import { join } from 'node:path';
import pino from 'pino';
import { validateConfig } from '../../runtime/src/config/validate';
import { Runtime } from '../../runtime/src/runtime';
import { ADMIN_TOKEN, configObject, postWebhook, startDestination, stripeEventBody, stripeSigned, tempDir, type Destination } from './support/harness';

/**
 * Who may reach what, and how often: the per-address limit holds on the webhook route
 * however its path is spelled; the status page's data and the metrics are rate-limited,
 * behind the admin token with `ops.auth: token`, and on a listener of their own with
 * `ops.listen`.
 */
jest.setTimeout(60_000);

const dir = tempDir();
let destination: Destination;
const running: Runtime[] = [];

beforeAll(async () => {
  destination = await startDestination();
});
afterAll(async () => {
  await Promise.all(running.map((runtime) => runtime.close()));
  await destination.close();
  dir.remove();
});

async function start(fields: Record<string, unknown>) {
  const object = { ...configObject({ storage: `sqlite:${join(dir.path, `${running.length}.db`)}`, destinationUrl: destination.url }), ...fields };
  const result = validateConfig(object);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  const runtime = new Runtime({ config: result.config, logger: pino({ level: 'silent' }) });
  running.push(runtime);
  const { url, opsUrl } = await runtime.start();
  return { url: url!, opsUrl: opsUrl! };
}

const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
const status = async (url: string, headers: Record<string, string> = {}) => (await fetch(url, { headers })).status;
const forgedPost = (url: string) => {
  const body = stripeEventBody();
  return fetch(url, { method: 'POST', body, headers: stripeSigned(body, 'whsec_forged') });
};

describe('the per-address limit on webhooks', () => {
  it('applies to the matched route, however its path is percent-encoded', async () => {
    const { url } = await start({ limits: { perAddressPerSecond: 1, perAddressBurst: 5 } });
    const spellings = ['/%77ebhooks/stripe', '/webhooks/%73tripe', '/%77%65%62hooks/stripe'];
    // The router decodes each spelling to the webhook route: it verifies (and refuses) the forged signature.
    expect((await forgedPost(`${url}/%77ebhooks/stripe`)).status).toBe(401);
    const answers: number[] = [];
    for (let index = 0; index < 30; index++) answers.push((await forgedPost(url + spellings[index % spellings.length])).status);
    expect(answers.filter((code) => code === 429).length).toBeGreaterThanOrEqual(24);
    expect(answers.filter((code) => code !== 429 && code !== 401)).toEqual([]);
    // The limit is the address's, whatever the spelling: the plain path is limited now too.
    const body = stripeEventBody();
    expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(429);
  });
});

describe('the status data and the metrics', () => {
  it('are rate-limited per address, one budget for both', async () => {
    const { url } = await start({ ops: { perAddressPerSecond: 1, perAddressBurst: 3 } });
    expect(await status(`${url}/status/data`)).toBe(200);
    expect(await status(`${url}/metrics`)).toBe(200);
    expect(await status(`${url}/status/data`)).toBe(200);
    const limited = await fetch(`${url}/metrics`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await status(`${url}/status/data`)).toBe(429);
    // Health checks and webhooks keep their own budgets.
    expect(await status(`${url}/healthz`)).toBe(200);
    const body = stripeEventBody();
    expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
  });

  it('need the admin token with ops.auth: token; the page and health checks do not', async () => {
    const { url } = await start({ ops: { auth: 'token' } });
    for (const path of ['/status/data', '/metrics', '/%6detrics']) {
      expect(await status(url + path)).toBe(401);
      expect(await status(url + path, { authorization: 'Bearer wrong-token-0123456789' })).toBe(401);
      expect(await status(url + path, bearer)).toBe(200);
    }
    expect(await status(`${url}/`)).toBe(200);
    expect(await status(`${url}/status/assets/status.js`)).toBe(200);
    expect(await status(`${url}/healthz`)).toBe(200);
    const data = (await (await fetch(`${url}/status/data`, { headers: bearer })).json()) as { openDeadLetters: number; deadLetters: unknown[] };
    expect(data.openDeadLetters).toBe(0);
    expect(data.deadLetters).toEqual([]);

    // Built at most once a second, but a change through the admin API shows at once.
    const event = JSON.parse(stripeEventBody()) as { id: string };
    const added = await fetch(`${url}/admin/dead-letters`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ idempotencyKey: `stripe:${event.id}`, provider: 'stripe', kind: 'payment.succeeded', event, origin: { destination: 'n8n' }, error: { message: 'HTTP 500' } }),
    });
    expect(added.status).toBe(201);
    const after = (await (await fetch(`${url}/status/data`, { headers: bearer })).json()) as { openDeadLetters: number; deadLetters: unknown[] };
    expect(after.openDeadLetters).toBe(1);
    expect(after.deadLetters).toHaveLength(1);
  });

  it('move with the admin API to their own listener with ops.listen', async () => {
    const { url, opsUrl } = await start({ ops: { listen: { host: '127.0.0.1', port: 0 } } });
    expect(opsUrl).not.toBe(url);
    for (const path of ['/', '/status/data', '/metrics', '/admin/dead-letters']) expect(await status(url + path, bearer)).toBe(404);
    expect(await status(`${opsUrl}/status/data`)).toBe(200);
    expect(await status(`${opsUrl}/metrics`)).toBe(200);
    expect(await status(`${opsUrl}/`)).toBe(200);
    expect(await status(`${opsUrl}/admin/dead-letters`)).toBe(401);
    expect(await status(`${opsUrl}/admin/dead-letters`, bearer)).toBe(200);
    // The admin API reads JSON bodies there as it does on the webhook listener.
    const replay = await fetch(`${opsUrl}/admin/dead-letters/replay`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{"dryRun":true}' });
    expect(await replay.json()).toMatchObject({ dryRun: true, matched: 0 });
    // Both listeners answer health checks; only the webhook one takes webhooks.
    expect(await status(`${url}/healthz`)).toBe(200);
    expect(await status(`${opsUrl}/healthz`)).toBe(200);
    const body = stripeEventBody();
    expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
    expect((await postWebhook(opsUrl, 'stripe', body, stripeSigned(body))).status).toBe(404);
  });
});

it('config check names each wrong ops field', () => {
  const base = configObject({ storage: 'sqlite:./x.db', destinationUrl: 'http://127.0.0.1:1/' });
  const errors = (ops: unknown, fields: Record<string, unknown> = {}) => {
    const result = validateConfig({ ...base, ...fields, ops });
    return result.ok ? [] : result.errors;
  };
  expect(errors({ auth: 'tokn', perAddressBurst: 0, surprise: 1 })).toEqual([
    'ops.surprise: unknown field',
    'ops.auth: must be "none" or "token"; did you mean "token"?',
    'ops.perAddressBurst: must be an integer ≥ 1',
  ]);
  expect(errors({ auth: 'token' }, { admin: undefined })).toEqual(['ops.auth: "token" needs admin.token']);
  expect(errors({ listen: { host: '127.0.0.1', port: 8080 } }, { listen: { host: '127.0.0.1', port: 8080 } })).toEqual([
    'ops.listen: must differ from listen, the webhook listener',
  ]);
  const defaults = validateConfig(base);
  expect(defaults.ok && defaults.config.ops).toEqual({ auth: 'none', perAddressPerSecond: 10, perAddressBurst: 20 });
});
