import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parsedConfig, startDestination, stripeEventBody, stripeSigned, tempDir, waitFor, type Destination } from './support/harness';
import { Runtime } from '../../runtime/src/runtime';
import pino from 'pino';

/** The listener: HTTPS from configured certificate files, and the slow-client guard. */
jest.setTimeout(30_000);

const dir = tempDir();
let destination: Destination;

beforeAll(async () => {
  destination = await startDestination();
});
afterAll(async () => {
  await destination.close();
  dir.remove();
});

async function start(extra: (config: ReturnType<typeof parsedConfig>) => void) {
  const config = parsedConfig({ storage: `sqlite:${join(dir.path, `listener-${Date.now()}.db`)}`, destinationUrl: destination.url });
  extra(config);
  const runtime = new Runtime({ config, logger: pino({ level: 'silent' }) });
  const { url } = await runtime.start();
  return { runtime, url: url! };
}

it('serves HTTPS with the configured certificate and key', async () => {
  const cert = join(dir.path, 'server.crt');
  const key = join(dir.path, 'server.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const { runtime, url } = await start((config) => {
    config.listen.tls = { cert, key };
  });
  try {
    expect(url.startsWith('https://')).toBe(true);
    const body = stripeEventBody();
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = request(`${url}/webhooks/stripe`, { method: 'POST', headers: stripeSigned(body), ca: readFileSync(cert) }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
    expect(status).toBe(200);
  } finally {
    await runtime.close();
  }
});

it('drops a client that never finishes its headers', async () => {
  const { runtime, url } = await start((config) => {
    config.limits.headersTimeoutMs = 500;
  });
  try {
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('close', () => (closed = true));
    socket.write('POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n');
    await waitFor(() => closed, 'the server to drop the slow client', 10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  } finally {
    await runtime.close();
  }
});
