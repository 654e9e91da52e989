import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { traceIdFor } from '../../runtime/src/tracing/ids';
import { freePort } from '../support/redis-server';
import { CREDENTIAL_IDS, testCredentials } from './support/credentials';
import { majorOf, matrixVersions } from './support/n8n-install';
import { startN8n, type N8nInstance } from './support/n8n-instance';
import { packNodePackage } from './support/package-tarball';
import { explainedByRuntime, launchRuntime, type RuntimeProcess } from './support/runtime-process';
import { paymentSucceeded, post, sign } from './support/stripe-events';
import { AT_ONCE_PATH, AT_ONCE_WORKFLOW_ID, RESPOND_NODE_PATH, RESPOND_NODE_WORKFLOW_ID, executionIdWorkflows } from './support/test-workflows';
import { webhookPathsOf } from './support/world';

/*
 * The runtime's delivery records the n8n execution that took it, where n8n says so, in real n8n:
 * one Stripe event through the runtime to two workflows. The trigger answering at once names its
 * execution on n8n 2.x (n8n creates the execution before it answers) and names none on 1.x (n8n
 * answers first); a Respond to Webhook node answering the execution's id names it on every version.
 * The runtime's `delivered` log line carries the id n8n stored for that execution.
 */
jest.setTimeout(10 * 60_000);

let tarball: string;
beforeAll(() => {
  tarball = packNodePackage();
});

describe.each(matrixVersions())('n8n %s', (version) => {
  const stripeSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const deliverySecret = `whsec_${randomBytes(24).toString('base64')}`;
  let n8n: N8nInstance;
  let runtime: RuntimeProcess;

  beforeAll(async () => {
    const workflows = executionIdWorkflows();
    const credentials = testCredentials({
      stripeSigningSecret: stripeSecret,
      runtimeDeliverySecret: deliverySecret,
      redisUrl: 'redis://127.0.0.1:9',
      redisKeyPrefix: 'unused:',
      smtpPort: 9,
    }).filter((credential) => credential.id === CREDENTIAL_IDS.runtimeDelivery);
    n8n = await startN8n({ version, tarball, credentials, workflows, webhookPaths: workflows.flatMap(webhookPathsOf) });

    const dir = mkdtempSync(join(tmpdir(), 'pw-e2e-execution-id-'));
    const port = await freePort();
    const destination = (name: string, path: string) => ({ name, url: n8n.webhookUrl(path), signingSecret: '${E2E_DELIVERY_SECRET}', kinds: ['*'] });
    const config = {
      listen: { host: '127.0.0.1', port },
      storage: `sqlite:${join(dir, 'payment-webhooks.db')}`,
      sources: [{ name: 'stripe', provider: 'stripe', secrets: ['${E2E_STRIPE_SECRET}'], toleranceSeconds: 300 }],
      destinations: [destination('at-once', AT_ONCE_PATH), destination('respond-node', RESPOND_NODE_PATH)],
      retry: { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 2000 },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    runtime = await launchRuntime({
      args: ['--config', join(dir, 'config.json')],
      env: { E2E_STRIPE_SECRET: stripeSecret, E2E_DELIVERY_SECRET: deliverySecret },
      dir,
      port,
    });
  });

  afterAll(async () => {
    await runtime?.stop();
    await n8n?.stop();
  });

  /** The runtime's `delivered` log lines for one event, by destination. */
  const deliveredLines = (eventKey: string) =>
    new Map(
      runtime
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'delivered' && line.eventKey === eventKey)
        .map((line) => [String(line.destination), line]),
    );

  /** The workflow's one finished execution. */
  const finishedExecution = async (workflowId: string, eventKey: string) =>
    (await explainedByRuntime(runtime, n8n.executions.waitForFinished(workflowId, 1), eventKey))[0];

  test('the delivered log line names the execution that took the delivery, where n8n says so', async () => {
    const event = paymentSucceeded({ amount: 1250, currency: 'eur', email: 'execution-id@example.com' });
    const key = `stripe:${event.id}`;
    expect((await post(`${runtime.url}/webhooks/stripe`, sign(event, stripeSecret))).status).toBe(200);

    const atOnce = await finishedExecution(AT_ONCE_WORKFLOW_ID, key);
    const answered = await finishedExecution(RESPOND_NODE_WORKFLOW_ID, key);
    expect([atOnce.status, answered.status]).toEqual(['success', 'success']);
    expect(n8n.executions.nodesRun(answered.id)).toEqual(['From Runtime', 'Answer With Execution', 'Done']);
    // Both executions joined the event's trace.
    for (const execution of [atOnce, answered]) {
      const [[item]] = n8n.executions.outputOf(execution.id, 'From Runtime');
      expect(item).toMatchObject({ idempotencyKey: key, trace: { traceId: traceIdFor(key) } });
    }

    const deadline = Date.now() + 60_000;
    while (deliveredLines(key).size < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = deliveredLines(key);
    expect(lines.get('respond-node')).toMatchObject({ httpStatus: 200, n8nExecutionId: answered.id });
    if (majorOf(version) >= 2) {
      expect(lines.get('at-once')).toMatchObject({ httpStatus: 200, n8nExecutionId: atOnce.id });
    } else {
      // n8n 1.x answers before the execution exists: nothing to record.
      expect(lines.get('at-once')).toMatchObject({ httpStatus: 200 });
      expect(lines.get('at-once')).not.toHaveProperty('n8nExecutionId');
    }
  });
});
