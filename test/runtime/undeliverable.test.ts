import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { PaymentEvent } from '../../core/event';
import { noopObserver, type Observer } from '../../runtime/src/observer';
import { Runtime } from '../../runtime/src/runtime';
import type { RuntimeStorage } from '../../runtime/src/storage/types';
import {
  parsedConfig,
  postWebhook,
  redisStorage,
  startDestination,
  stripeEventBody,
  stripeSigned,
  tempDir,
  waitFor,
  type Destination,
} from './support/harness';

/**
 * Deliveries end: an event id that cannot travel in a header is refused at ingress, one stored
 * before that rule is dead-lettered at once, and an attempt that throws counts toward
 * maxAttempts like any failed attempt. Real SQLite file, real Redis, loopback destination.
 */
jest.setTimeout(30_000);

const dir = tempDir();
afterAll(() => dir.remove());

const modes = [
  ['sqlite', () => `sqlite:${join(dir.path, `undeliverable-${randomUUID()}.db`)}`],
  ['redis', () => redisStorage()],
] as const;

const MAX_ATTEMPTS = 2;
const CRLF_ID = 'evt_crlf\r\nx-injected: 1';

/** While set, every delivery attempt throws before anything is sent, as a broken span exporter would; ingress's spans run as usual. */
let spansFail = false;
const observer: Observer = {
  ...noopObserver,
  span: (eventKey, name, attributes, work) => {
    if (spansFail && name === 'deliver') throw new Error('the span exporter broke');
    return noopObserver.span(eventKey, name, attributes, work);
  },
};

/** A canonical event as a runtime stored it before ingress refused ids that cannot be headers. */
function storedEarlier(id: string): PaymentEvent {
  const now = new Date().toISOString();
  return { id, provider: 'stripe', type: 'payment_intent.succeeded', kind: 'payment.succeeded', occurredAt: now, receivedAt: now, idempotencyKey: `stripe:${id}`, raw: { id } };
}

describe.each(modes)('deliveries that cannot succeed end as dead letters (%s storage)', (_mode, makeStorage) => {
  let destination: Destination;
  let runtime: Runtime;
  let url: string;
  const logs: Array<Record<string, unknown>> = [];

  // One runtime per storage mode, shared by the tests below and closed once.
  beforeAll(async () => {
    destination = await startDestination();
    const lines = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    const config = parsedConfig({ storage: makeStorage(), destinationUrl: destination.url, retry: { maxAttempts: MAX_ATTEMPTS, initialDelayMs: 50, maxDelayMs: 200 } });
    runtime = new Runtime({ config, observer, logger: pino({ level: 'info' }, lines) });
    url = (await runtime.start()).url ?? '';
  });
  afterAll(async () => {
    await runtime.close();
    await destination.close();
  });
  afterEach(() => {
    spansFail = false;
  });

  const storage = () => runtime['storage'] as RuntimeStorage;
  const deadLetterOf = async (key: string) => (await storage().deadLetters.list()).filter((record) => record.idempotencyKey === key);
  const deliveriesOf = (key: string) => destination.received.filter((entry) => JSON.parse(entry.body).idempotencyKey === key);

  it('refuses at ingress a signed event whose id cannot travel in a header: 400 naming why, a log line, nothing stored', async () => {
    const body = stripeEventBody(CRLF_ID);
    const response = await postWebhook(url, 'stripe', body, stripeSigned(body));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: 'malformed body', detail: expect.stringContaining('cannot be delivered') });
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'webhook body malformed', source: 'stripe', detail: expect.stringContaining('printable ASCII') }));
    expect(await storage().backlog()).toBe(0);
    expect(await storage().idempotency.get(`stripe:${CRLF_ID}`)).toBeNull();
  });

  it('dead-letters at once, without retrying, an event stored earlier whose id cannot be a header', async () => {
    const event = storedEarlier(`${CRLF_ID}-${randomUUID()}`);
    await storage().enqueue(event, ['n8n'], 'standard');
    await waitFor(async () => (await deadLetterOf(event.idempotencyKey)).length === 1, 'the dead letter');
    // Longer than several retry delays: a retry would have shown by now.
    await new Promise((done) => setTimeout(done, 500));
    const [record] = await deadLetterOf(event.idempotencyKey);
    expect(record).toMatchObject({ attempts: 1, status: 'open', origin: { destination: 'n8n' }, error: { code: 'ERR_INVALID_CHAR' } });
    expect(record.error.message).toContain('cannot be sent');
    expect(destination.received).toHaveLength(0);
    expect(await storage().backlog()).toBe(0);
  });

  it('counts an attempt that throws toward maxAttempts and dead-letters the event after the last one', async () => {
    spansFail = true;
    const body = stripeEventBody();
    expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
    const key = `stripe:${JSON.parse(body).id}`;
    await waitFor(async () => (await deadLetterOf(key)).length === 1, 'the dead letter after the last attempt');
    await new Promise((done) => setTimeout(done, 500));
    const [record] = await deadLetterOf(key);
    expect(record).toMatchObject({ attempts: MAX_ATTEMPTS, origin: { destination: 'n8n' }, error: { code: 'UNEXPECTED' } });
    expect(record.error.message).toContain('the span exporter broke');
    expect(deliveriesOf(key)).toHaveLength(0);
    expect(await storage().backlog()).toBe(0);
  });
});
