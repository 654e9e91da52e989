import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../runtime/src/config/validate';
import type { RetryConfig } from '../../runtime/src/config/types';
import { nominalDelay, retryDelay } from '../../runtime/src/delivery/backoff';
import type { Runtime } from '../../runtime/src/runtime';
import {
  ADMIN_TOKEN,
  postWebhook,
  startDestination,
  startRuntime,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from './support/harness';

/**
 * The default retry schedule: runtime/README's table is the code's schedule, it spans at
 * least 24 hours, and (time compressed 10,000×, on a real SQLite file and loopback HTTP) a
 * destination down for 6 hours of it gets every event afterwards, none dead-lettered.
 */
jest.setTimeout(60_000);

const HOUR = 3_600_000;

const defaults: RetryConfig = (() => {
  const result = validateConfig({
    sources: [{ name: 'stripe', provider: 'stripe', secrets: ['whsec_schedule_test'] }],
    destinations: [{ name: 'n8n', url: 'http://127.0.0.1:5678/webhook/payments', signingSecret: 'whsec_c2NoZWR1bGUtdGVzdA==' }],
  });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config.retry;
})();

/** "1 h 25 min 10 s", whole seconds rounded down: the README's way of writing a duration. */
function duration(ms: number): string {
  let seconds = Math.floor(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts = [hours && `${hours} h`, minutes && `${minutes} min`, seconds && `${seconds} s`].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : '0 s';
}

/** Attempt n's rows as the code computes them: [attempt, wait before it, at the latest, at the earliest]. */
function scheduleFromCode(retry: RetryConfig): string[][] {
  const rows = [['1', '—', '0 s', '0 s']];
  let latest = 0;
  let earliest = 0;
  for (let attempt = 1; attempt < retry.maxAttempts; attempt += 1) {
    latest += nominalDelay(attempt, retry);
    earliest += retryDelay(attempt, retry, undefined, () => 0);
    rows.push([String(attempt + 1), duration(nominalDelay(attempt, retry)), duration(latest), duration(earliest)]);
  }
  return rows;
}

function scheduleFromReadme(): string[][] {
  const readme = readFileSync(join(__dirname, '..', '..', 'runtime', 'README.md'), 'utf8');
  const section = readme.split('### Retry schedule')[1];
  if (!section) throw new Error('runtime/README.md has no "### Retry schedule" section');
  const table = section.slice(section.indexOf('| attempt |')).split('\n\n')[0];
  return table
    .split('\n')
    .slice(2) // header and separator
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
}

describe('the default retry schedule', () => {
  it('is the table in runtime/README.md', () => {
    expect(scheduleFromReadme()).toEqual(scheduleFromCode(defaults));
  });

  it('retries for at least 24 hours before dead-lettering, even with the most jitter', () => {
    let earliestLastAttempt = 0;
    for (let attempt = 1; attempt < defaults.maxAttempts; attempt += 1) earliestLastAttempt += retryDelay(attempt, defaults, undefined, () => 0);
    expect(earliestLastAttempt).toBeGreaterThanOrEqual(24 * HOUR);
  });
});

describe('a destination down for 6 hours of the default schedule, compressed 10,000×', () => {
  const COMPRESSION = 10_000;
  const OUTAGE_MS = (6 * HOUR) / COMPRESSION;
  const EVENTS = 20;
  const dir = tempDir();
  let destination: Destination;
  let runtime: Runtime;
  let url: string;
  let downUntil = Infinity;

  beforeAll(async () => {
    // n8n behind its proxy while it is down: 503, which the runtime retries like a refused connection.
    destination = await startDestination(() => (Date.now() < downUntil ? 503 : 200));
    ({ runtime, url } = await startRuntime({
      storage: `sqlite:${join(dir.path, 'outage.db')}`,
      destinationUrl: destination.url,
      retry: {
        maxAttempts: defaults.maxAttempts,
        initialDelayMs: defaults.initialDelayMs / COMPRESSION,
        maxDelayMs: defaults.maxDelayMs / COMPRESSION,
      },
    }));
  });
  afterAll(async () => {
    await runtime.close();
    await destination.close();
    dir.remove();
  });

  it('gets every event once it is back, and nothing is dead-lettered', async () => {
    const outageStarted = Date.now();
    downUntil = outageStarted + OUTAGE_MS;
    const keys: string[] = [];
    for (let index = 0; index < EVENTS; index += 1) {
      const body = stripeEventBody();
      expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
      keys.push(`stripe:${JSON.parse(body).id}`);
    }

    await waitFor(() => keys.every((key) => destination.accepted().get(key) === 1), `all ${EVENTS} events delivered`, OUTAGE_MS * 4);

    for (const key of keys) {
      const attempts = destination.byId().get(key)!;
      const refused = attempts.filter((attempt) => attempt.status === 503);
      // The outage really lasted through the schedule's first hours: many refusals, the last
      // near its end, and the 2xx only after it.
      expect(refused.length).toBeGreaterThanOrEqual(10);
      expect(refused.at(-1)!.at - outageStarted).toBeGreaterThan(OUTAGE_MS * 0.5);
      expect(attempts.at(-1)!.status).toBe(200);
      expect(attempts.at(-1)!.at).toBeGreaterThanOrEqual(downUntil);
    }
    const response = await fetch(`${url}/admin/dead-letters`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { deadLetters: unknown[] }).deadLetters).toEqual([]);
  });
});
