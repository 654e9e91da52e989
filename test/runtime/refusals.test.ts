import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Runtime } from '../../runtime/src/runtime';
import { captureLogs, observedConfig, startObserved, type CapturedLogs } from './observability/support';
import { STRIPE_SECRET, startDestination, stripeEventBody, stripeSigned, tempDir, type Destination } from './support/harness';

/**
 * Every refusal runtime/README lists ("Refusals": status, body, log line) against the running
 * ingress: each row of the table is sent for real, its answer and its log line checked, and
 * the table and this test's cases must name the same refusals.
 */
jest.setTimeout(60_000);

const dir = tempDir();
const file = join(dir.path, 'refusals.db');
const BODY_LIMIT = 64 * 1024;
const BURST = 30;
let destination: Destination;
let runtime: Runtime;
let url: string;
let logs: CapturedLogs;
/** A port nothing listens on: Mollie's API "down". */
let closedPort: number;

interface Row {
  status: number;
  outcome: string;
  body: string;
  level: string;
  msg: string;
}

/** The "Refusals" table of runtime/README.md. */
function readmeRows(): Row[] {
  const readme = readFileSync(join(__dirname, '..', '..', 'runtime', 'README.md'), 'utf8');
  const section = readme.split('\n## Refusals\n')[1];
  if (!section) throw new Error('runtime/README.md has no "## Refusals" section');
  const table = section.slice(section.indexOf('| status |')).split('\n\n')[0];
  return table
    .split('\n')
    .slice(2)
    .map((line) => {
      const [status, outcome, , body, log] = line.split(' | ').map((cell) => cell.replace(/^\|\s*|\s*\|$/g, '').trim());
      const [, level, msg] = /^(\w+) `([^`]+)`$/.exec(log) ?? [];
      return { status: Number(status), outcome: outcome.replace(/`/g, ''), body: body.replace(/^`|`$/g, ''), level, msg };
    });
}

const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${url}${path}`, { method: 'POST', body, headers });

/** How to provoke each refusal, by `status outcome`, in the order they run. */
const cases: Record<string, () => Promise<Response>> = {
  '400 malformed': () => {
    const body = JSON.stringify({ id: 'evt_refusals_no_type', object: 'event' });
    return post('/webhooks/stripe', body, stripeSigned(body));
  },
  '401 refused': () => {
    const body = stripeEventBody();
    return post('/webhooks/stripe', body, stripeSigned(body, 'whsec_forged_by_someone_else'));
  },
  '404 unknown_source': () => post('/webhooks/strpe', stripeEventBody()),
  '405 wrong_method': () => fetch(`${url}/webhooks/stripe`),
  '413 too_large': () => post('/webhooks/stripe', 'x'.repeat(BODY_LIMIT + 1)),
  '415 unreadable': () => post('/webhooks/stripe', stripeEventBody(), { 'content-type': '' }),
  '503 refused': () => post('/webhooks/mollie', 'id=tr_fNAwjMs3WT', { 'content-type': 'application/x-www-form-urlencoded' }),
  '503 unavailable': async () => {
    const holder = new BetterSqlite3(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const body = stripeEventBody();
      return await post('/webhooks/stripe', body, stripeSigned(body));
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  },
  // Last: it spends the address's burst.
  '429 rate_limited': async () => {
    for (let sent = 0; sent <= BURST; sent += 1) {
      const response = await post('/webhooks/strpe', '{}');
      if (response.status === 429) return response;
    }
    throw new Error(`no 429 after ${BURST + 1} requests`);
  },
};

/** The fields the README's body names, `…` standing for any string value. */
function bodyPattern(body: string): unknown {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, value === '…' ? expect.any(String) : value]));
}

const LEVELS: Record<string, number> = { warn: 40, error: 50 };

beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((done) => probe.close(done));
  destination = await startDestination();
  logs = captureLogs();
  const config = observedConfig({
    storage: `sqlite:${file}`,
    destinationUrl: destination.url,
    limits: { bodyBytes: BODY_LIMIT, storeTimeoutMs: 300, perAddressPerSecond: 1, perAddressBurst: BURST },
    sources: [
      { name: 'stripe', provider: 'stripe', secrets: [STRIPE_SECRET], toleranceSeconds: 300 },
      { name: 'mollie', provider: 'mollie', apiKey: 'test_mollie_api_key', apiBaseUrl: `http://127.0.0.1:${closedPort}` },
    ],
  });
  ({ runtime, url } = await startObserved(config, { logger: logs.logger }));
});
afterAll(async () => {
  await runtime.close();
  await destination.close();
  dir.remove();
});

it('runtime/README lists exactly the refusals this test provokes', () => {
  expect(readmeRows().map((row) => `${row.status} ${row.outcome}`).sort()).toEqual(Object.keys(cases).sort());
});

describe.each(Object.entries(cases))('%s', (name, provoke) => {
  const row = readmeRows().find((entry) => `${entry.status} ${entry.outcome}` === name);
  it(`answers as runtime/README says and logs one line in the refusal shape`, async () => {
    if (!row) throw new Error(`runtime/README.md has no refusal "${name}"`);
    const before = logs.lines().length;
    const response = await provoke();
    expect(response.status).toBe(row.status);
    expect(await response.json()).toMatchObject(bodyPattern(row.body) as object);
    if (row.status === 405) expect(response.headers.get('allow')).toBe('POST');
    if (row.status === 429 || row.status === 503) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);

    const refusals = logs.lines().slice(before).filter((line) => line.status === row.status && line.outcome === row.outcome);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toEqual(
      expect.objectContaining({ level: LEVELS[row.level], msg: row.msg, source: expect.any(String), address: '127.0.0.1' }),
    );
  });
});
