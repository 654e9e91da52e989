import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../runtime/src/config/load';
import { destinationWarnings, placeholderWarning, probeDestination, renderStartupSummary } from '../../runtime/src/startup-summary';
import { freePort } from '../support/redis-server';
import { parsedConfig, silentServer, spawnRuntime, tempDir, waitFor, writeConfig } from './support/harness';

/** What `start` tells a person at a terminal, and that machines still get one "listening" line. */
jest.setTimeout(30_000);

const EXAMPLE = join(resolve(__dirname, '..', '..'), 'runtime', 'payment-webhooks.config.example.yaml');
const dir = tempDir();
afterAll(() => dir.remove());

/** A loopback HTTP server answering every request with `status` and `body`. */
async function answering(status: number, body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_request, response) => response.writeHead(status).end(body));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/webhook/runtime-pwTplReceipts001`, close: () => new Promise((done) => server.close(() => done())) };
}

describe('the summary', () => {
  it("names each source's webhook URL, the status page, metrics, the next command and the warnings", async () => {
    const config = await loadConfig(EXAMPLE, {});
    const summary = renderStartupSummary({
      config,
      role: 'both',
      url: 'http://127.0.0.1:8080',
      opsUrl: 'http://127.0.0.1:8080',
      warnings: [placeholderWarning(config)!, 'destination n8n (…) does not answer (ECONNREFUSED)'],
    });
    expect(summary).toContain('stripe (Stripe)  http://127.0.0.1:8080/webhooks/stripe');
    expect(summary).toContain('n8n  http://127.0.0.1:5678/webhook/runtime-pwTplReceipts001');
    expect(summary).toMatch(/status page +http:\/\/127\.0\.0\.1:8080\/\n/);
    expect(summary).toMatch(/metrics +http:\/\/127\.0\.0\.1:8080\/metrics\n/);
    expect(summary).toContain(
      'npx payment-webhooks send-test-event --provider stripe --secret whsec_example_replace_me --url http://127.0.0.1:8080/webhooks/stripe',
    );
    expect(summary).toMatch(/! sources\[0\]\.secrets\[0\], destinations\[0\]\.signingSecret: the example config's public demo secret/);
    expect(summary).toContain('! destination n8n (…) does not answer (ECONNREFUSED)');
    expect(summary).not.toMatch(/listening/i);
  });

  it('never prints a secret of your own, and a worker shows its metrics only', () => {
    const config = parsedConfig({ storage: 'sqlite:./data/unused.db', destinationUrl: 'http://127.0.0.1:5678/webhook/runtime-x' });
    const ingress = renderStartupSummary({ config, role: 'both', url: 'http://127.0.0.1:8080', opsUrl: 'http://127.0.0.1:9090', warnings: [] });
    expect(ingress).not.toContain(config.sources[0].secrets[0]);
    expect(ingress).toContain('--secret "$YOUR_STRIPE_SECRET"');
    expect(ingress).toMatch(/status page +http:\/\/127\.0\.0\.1:9090\//);
    expect(ingress).not.toContain('Warnings');
    const worker = renderStartupSummary({ config, role: 'worker', opsUrl: 'http://127.0.0.1:9090', warnings: [] });
    expect(worker).toMatch(/metrics +http:\/\/127\.0\.0\.1:9090\/metrics/);
    expect(worker).not.toContain('webhooks/stripe');
    expect(worker).not.toContain('status page');
  });
});

describe('the destination probe', () => {
  it('reports a destination that does not answer', async () => {
    const url = `http://127.0.0.1:${await freePort()}/webhook/runtime-pwTplReceipts001`;
    expect(await probeDestination(url)).toMatch(/^does not answer \(ECONNREFUSED\): is n8n running there\?/);
  });

  it("reports n8n's answer for a path no active workflow listens on", async () => {
    const n8n = await answering(404, JSON.stringify({ code: 404, message: 'The requested webhook "GET runtime-pwTplReceipts001" is not registered.' }));
    try {
      expect(await probeDestination(n8n.url)).toMatch(/^is an n8n without an active workflow at this path/);
    } finally {
      await n8n.close();
    }
  });

  it('finds nothing wrong with an active POST trigger (n8n answers GET with "not registered for GET requests")', async () => {
    const n8n = await answering(404, JSON.stringify({ code: 404, message: 'This webhook is not registered for GET requests. Did you mean to make a POST request?' }));
    try {
      const config = parsedConfig({ storage: 'sqlite:./data/unused.db', destinationUrl: n8n.url });
      expect(await destinationWarnings(config)).toEqual([]);
    } finally {
      await n8n.close();
    }
  });
});

it('a start without a terminal logs JSON only, and says "listening" once', async () => {
  const config = writeConfig(dir.path, { storage: `sqlite:${join(dir.path, 'listening.db')}`, destinationUrl: 'http://127.0.0.1:5678/webhook/x', logLevel: 'info' });
  const runtime = spawnRuntime(['start', '--config', config]);
  await runtime.listening;
  runtime.child.kill('SIGTERM');
  expect(await runtime.exited).toBe(0);
  expect(runtime.logs.filter((entry) => /listening/i.test(String(entry.msg)))).toHaveLength(1);
  expect(runtime.logs.some((entry) => String(entry.msg).startsWith('payment-webhooks started'))).toBe(false);
});

it('shuts down cleanly on a SIGTERM sent the moment it says "listening", start after start', async () => {
  // A supervisor may stop the runtime as soon as it reads that line. With the signal listeners
  // added only after it, Node's default action killed the process (no shutdown) in 6 of 16 starts.
  for (let start = 0; start < 5; start++) {
    const config = writeConfig(dir.path, { storage: `sqlite:${join(dir.path, `signal-${start}.db`)}`, destinationUrl: 'http://127.0.0.1:5678/webhook/x', logLevel: 'info' });
    const runtime = spawnRuntime(['start', '--config', config]);
    await runtime.listening;
    runtime.child.kill('SIGTERM');
    expect(await runtime.exited).toBe(0);
    expect(runtime.logs.some((entry) => entry.msg === 'payment-webhooks stopped')).toBe(true);
  }
});

it('a SIGTERM while a start is failing ends with the start\'s own error, not a "shutdown failed"', async () => {
  // A Redis address that accepts connections and never answers: the start gives up after limits.storeTimeoutMs.
  const silent = await silentServer();
  const port = silent.port;
  try {
    const config = writeConfig(dir.path, { storage: `redis://127.0.0.1:${port}`, destinationUrl: 'http://127.0.0.1:5678/webhook/x', logLevel: 'info', limits: { storeTimeoutMs: 1_500 } });
    const runtime = spawnRuntime(['start', '--config', config]);
    await waitFor(() => runtime.logs.some((entry) => entry.msg === 'configuration loaded'), 'the configuration loaded');
    runtime.child.kill('SIGTERM');
    await expect(runtime.listening).rejects.toThrow(`cannot open the storage redis://127.0.0.1:${port} (Redis's first answer took longer than 1500 ms)`);
    expect(await runtime.exited).toBe(1);
    expect(runtime.logs.some((entry) => entry.msg === 'shutting down: no new requests, finishing deliveries in flight')).toBe(true);
    expect(runtime.logs.filter((entry) => entry.msg === 'shutdown failed')).toEqual([]);
  } finally {
    await silent.close();
  }
});

it('on a terminal (a pseudo-terminal made by util-linux `script`), start prints the summary after its JSON logs', async () => {
  const closedPort = await freePort();
  const config = writeConfig(dir.path, { storage: `sqlite:${join(dir.path, 'terminal.db')}`, destinationUrl: `http://127.0.0.1:${closedPort}/webhook/x`, logLevel: 'info' });
  const command = [process.execPath, '-r', join(__dirname, 'support', 'register.js'), join(__dirname, '..', '..', 'runtime', 'src', 'main.ts'), 'start', '--config', config]
    .map((word) => `'${word}'`)
    .join(' ');
  const terminal = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  terminal.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  try {
    await waitFor(() => output.includes('Stop with Ctrl-C'), 'the summary on the terminal', 60_000);
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)![1];
    expect(output).toContain(`stripe (Stripe)  ${url}/webhooks/stripe`);
    expect(output).toContain(`! destination n8n (http://127.0.0.1:${closedPort}/webhook/x) does not answer (ECONNREFUSED)`);
    expect(output.match(/listening/gi)).toHaveLength(1);
  } finally {
    const exited = new Promise((done) => terminal.once('exit', done));
    // script ends the session it runs (the runtime with it) on SIGTERM.
    terminal.kill('SIGTERM');
    await exited;
  }
});
