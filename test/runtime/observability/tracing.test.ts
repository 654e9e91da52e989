import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { postWebhook, startDestination, stripeEventBody, stripeSigned, tempDir, waitFor, type Destination } from '../support/harness';
import type { Runtime } from '../../../runtime/src/runtime';
import { traceIdFor } from '../../../runtime/src/tracing/ids';
import { captureLogs, observedConfig, startObserved } from './support';

/**
 * With an in-memory span exporter: one trace per event, holding the verify and store
 * spans of ingress and one span per delivery attempt, and each delivery carries a
 * traceparent naming its own attempt's span in that trace.
 */
jest.setTimeout(30_000);

const dir = tempDir();
const exporter = new InMemorySpanExporter();
let destination: Destination;
let runtime: Runtime;
let url: string;

beforeAll(async () => {
  // Every event's first attempt fails (503), the second succeeds: two attempts each.
  destination = await startDestination((attempt) => (attempt === 0 ? 503 : 200));
  const config = observedConfig({
    storage: `sqlite:${join(dir.path, 'tracing.db')}`,
    destinationUrl: destination.url,
    retry: { maxAttempts: 5, initialDelayMs: 5, maxDelayMs: 20 },
  });
  ({ runtime, url } = await startObserved(config, { telemetry: { spanExporter: exporter, env: {} } }));
});

afterAll(async () => {
  await runtime.close();
  await destination.close();
  dir.remove();
});

it('gives each event one trace with verify, store and every delivery attempt, and passes it on in traceparent', async () => {
  const bodies = [stripeEventBody(), stripeEventBody()];
  for (const body of bodies) expect((await postWebhook(url, 'stripe', body, stripeSigned(body))).status).toBe(200);
  const keys = bodies.map((body) => `stripe:${JSON.parse(body).id}`);
  await waitFor(() => keys.every((key) => destination.accepted().get(key) === 1), 'both events delivered');
  await waitFor(() => exporter.getFinishedSpans().filter((span) => span.name === 'payment_webhooks.deliver').length === 4, 'four delivery spans');

  const spans = exporter.getFinishedSpans();
  const traces = new Set(spans.map((span) => span.spanContext().traceId));
  expect(traces.size).toBe(2);

  for (const key of keys) {
    const traceId = traceIdFor(key);
    const inTrace = spans.filter((span) => span.spanContext().traceId === traceId);
    expect(inTrace.map((span) => span.name).sort()).toEqual([
      'payment_webhooks.deliver',
      'payment_webhooks.deliver',
      'payment_webhooks.store',
      'payment_webhooks.verify',
    ]);
    expect(inTrace.every((span) => span.attributes['payment_webhooks.event_key'] === key)).toBe(true);
    const attempts = inTrace.filter((span) => span.name === 'payment_webhooks.deliver').sort((a, b) => Number(a.attributes.attempt) - Number(b.attributes.attempt));
    expect(attempts.map((span) => [span.attributes.attempt, span.attributes['http.response.status_code']])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    // Each delivery names its own attempt's span, in the event's trace.
    const received = destination.byId().get(key)!;
    expect(received.map((delivery) => delivery.headers.traceparent)).toEqual(
      attempts.map((span) => `00-${traceId}-${span.spanContext().spanId}-01`),
    );
    // Verification ran before storing.
    const verify = inTrace.find((span) => span.name === 'payment_webhooks.verify')!;
    const store = inTrace.find((span) => span.name === 'payment_webhooks.store')!;
    expect(verify.attributes.source).toBe('stripe');
    expect(store.attributes['payment_webhooks.outcome']).toBe('accepted');
    expect(verify.endTime[0] * 1e9 + verify.endTime[1]).toBeLessThanOrEqual(store.startTime[0] * 1e9 + store.startTime[1]);
  }
});

it('is off without an OTLP endpoint or an exporter', async () => {
  const other = await startObserved(
    observedConfig({ storage: `sqlite:${join(dir.path, 'untraced.db')}`, destinationUrl: destination.url }),
    { telemetry: { env: {} } },
  );
  try {
    expect(other.runtime.observability?.tracing).toBeUndefined();
  } finally {
    await other.runtime.close();
  }
});

it('exports over OTLP/HTTP to the endpoint OTEL_EXPORTER_OTLP_ENDPOINT names', async () => {
  const posts: Array<{ path: string; body: string }> = [];
  const collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      posts.push({ path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => collector.listen(0, '127.0.0.1', done));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const other = await startObserved(
    observedConfig({ storage: `sqlite:${join(dir.path, 'otlp.db')}`, destinationUrl: destination.url }),
    { telemetry: { env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'payments-test' } } },
  );
  try {
    const body = stripeEventBody();
    const key = `stripe:${JSON.parse(body).id}`;
    expect((await postWebhook(other.url, 'stripe', body, stripeSigned(body))).status).toBe(200);
    await waitFor(() => destination.accepted().get(key) === 1, 'the delivery');
    await other.runtime.close(); // flushes the batch
    expect(posts.map((post) => post.path)).toContain('/v1/traces');
    const exported = posts.map((post) => post.body).join('\n');
    expect(exported).toContain(traceIdFor(key));
    expect(exported).toContain('payments-test');
  } finally {
    await other.runtime.close();
    await new Promise((done) => collector.close(done));
  }
});

it('records the n8n execution that took a delivery on its span and log line, where the answer names it', async () => {
  // Answers like the Payment Webhook Trigger on n8n 2.x, {"executionId":"…"}: the first event's first attempt fails in
  // execution 41, its second is execution 42.
  const executions = new Map([['41', 500], ['42', 200]]);
  let nextExecution = 41;
  let unnamed = '';
  const n8n = await startDestination((_attempt, id) => {
    // n8n's own Webhook node answering at once names no execution.
    if (id === unnamed) return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"message":"Workflow was started"}' };
    const execution = String(nextExecution++);
    return { status: executions.get(execution) ?? 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ executionId: execution }) };
  });
  const spans = new InMemorySpanExporter();
  const logs = captureLogs();
  const other = await startObserved(
    observedConfig({ storage: `sqlite:${join(dir.path, 'executions.db')}`, destinationUrl: n8n.url, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 } }),
    { logger: logs.logger, telemetry: { spanExporter: spans, env: {} } },
  );
  try {
    const named = stripeEventBody();
    const namedKey = `stripe:${JSON.parse(named).id}`;
    expect((await postWebhook(other.url, 'stripe', named, stripeSigned(named))).status).toBe(200);
    await waitFor(() => n8n.accepted().get(namedKey) === 1, 'the named delivery');
    const plain = stripeEventBody();
    const plainKey = `stripe:${JSON.parse(plain).id}`;
    unnamed = plainKey;
    expect((await postWebhook(other.url, 'stripe', plain, stripeSigned(plain))).status).toBe(200);
    await waitFor(() => n8n.accepted().get(plainKey) === 1, 'the unnamed delivery');
    await waitFor(() => spans.getFinishedSpans().filter((span) => span.name === 'payment_webhooks.deliver').length === 3, 'three delivery spans');

    const deliverSpans = spans.getFinishedSpans().filter((span) => span.name === 'payment_webhooks.deliver');
    const attributesOf = (key: string) =>
      deliverSpans
        .filter((span) => span.attributes['payment_webhooks.event_key'] === key)
        .sort((a, b) => Number(a.attributes.attempt) - Number(b.attributes.attempt))
        .map((span) => [span.attributes['http.response.status_code'], span.attributes['n8n.execution.id']]);
    expect(attributesOf(namedKey)).toEqual([
      [500, '41'],
      [200, '42'],
    ]);
    expect(attributesOf(plainKey)).toEqual([[200, undefined]]);

    const decisions = logs.lines().filter((line) => line.msg === 'delivered' || line.msg === 'delivery will be retried');
    const decisionsOf = (key: string) => decisions.filter((line) => line.eventKey === key).map((line) => [line.outcome, line.n8nExecutionId]);
    expect(decisionsOf(namedKey)).toEqual([
      ['retry', '41'],
      ['delivered', '42'],
    ]);
    expect(decisionsOf(plainKey)).toEqual([['delivered', undefined]]);
  } finally {
    await other.runtime.close();
    await n8n.close();
  }
});
