import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheFolder, n8nBin } from '../../../test/e2e/support/n8n-install';
import { startN8n, type WorkflowExport } from '../../../test/e2e/support/n8n-instance';
import { packNodePackage } from '../../../test/e2e/support/package-tarball';
import type { BenchContext } from '../context';
import { STRIPE_SECRET } from '../events';
import { sweepEndpoint, type SweepResult } from '../sweep';
import { INGEST_CONNECTIONS } from './ingest';

/**
 * The baseline: a real n8n (the end-to-end install) receiving the same signed Stripe load
 * on a Webhook node answering at once, and on our Payment Webhook Trigger (verifying,
 * normalising, answering at once), each followed by a No Op.
 */
export type N8nResult =
  | { skipped: string }
  | { version: string; webhookNode: SweepResult; trigger: SweepResult; triggerOverWebhook: number };

/** Newest first: 2.8.4 is the fastest n8n that runs on Node 20 (docs/N8N notes). */
const PREFERRED_VERSIONS = ['2.8.4', '1.123.81'];
const PACKAGE = 'n8n-nodes-payment-webhooks';
const CREDENTIAL = { id: 'pwBenchStripe001', name: 'Stripe webhooks (bench)' };
const PATHS = { webhook: 'bench-webhook-node', trigger: 'bench-payment-trigger' };

function installedVersion(): string | undefined {
  const wanted = process.env.BENCH_N8N_VERSION ? [process.env.BENCH_N8N_VERSION] : PREFERRED_VERSIONS;
  // The same marker the e2e harness checks, without its install-on-demand (minutes, and the network).
  return wanted.find((version) => existsSync(join(cacheFolder(), version, '.installed')) && existsSync(n8nBin(version)));
}

function workflow(id: string, name: string, trigger: WorkflowExport['nodes'][number] & Record<string, unknown>): WorkflowExport {
  return {
    id,
    name,
    nodes: [trigger, { id: `${id}-noop`, name: 'No Op', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} } as WorkflowExport['nodes'][number]],
    connections: { [trigger.name]: { main: [[{ node: 'No Op', type: 'main', index: 0 }]] } },
    settings: { executionOrder: 'v1' },
  };
}

const WORKFLOWS: WorkflowExport[] = [
  workflow('pwBenchWebhook01', 'Bench: Webhook node', {
    id: 'bench-webhook',
    name: 'Webhook',
    type: 'n8n-nodes-base.webhook',
    typeVersion: 2,
    position: [0, 0],
    webhookId: 'b3f7c2d0-0000-4000-8000-00000000be01',
    parameters: { httpMethod: 'POST', path: PATHS.webhook, responseMode: 'onReceived', options: {} },
  }),
  workflow('pwBenchTrigger01', 'Bench: Payment Webhook Trigger', {
    id: 'bench-trigger',
    name: 'Payment Webhook Trigger',
    type: `${PACKAGE}.paymentWebhookTrigger`,
    typeVersion: 1,
    position: [0, 0],
    webhookId: 'b3f7c2d0-0000-4000-8000-00000000be02',
    parameters: { provider: 'stripe', path: PATHS.trigger, responseMode: 'onReceived', options: {} },
    credentials: { paymentGatewayApi: CREDENTIAL },
  }),
];

export async function benchN8n(context: BenchContext, options: { stepSeconds: number }): Promise<N8nResult> {
  const version = installedVersion();
  if (!version) {
    const skipped = `no n8n in ${cacheFolder()} (looked for ${process.env.BENCH_N8N_VERSION ?? PREFERRED_VERSIONS.join(', ')}); run \`bash scripts/install-n8n.sh 2.8.4\` to include the baseline`;
    console.log(`n8n baseline skipped: ${skipped}`);
    return { skipped };
  }
  const tarball = packNodePackage();
  const n8n = await startN8n({
    version,
    tarball,
    credentials: [{ ...CREDENTIAL, type: 'paymentGatewayApi', data: { provider: 'stripe', secret: STRIPE_SECRET, toleranceSeconds: 300 } }],
    workflows: WORKFLOWS,
    webhookPaths: [PATHS.webhook, PATHS.trigger],
  });
  try {
    const measure = (name: string, path: string) =>
      sweepEndpoint({
        url: n8n.webhookUrl(path),
        name,
        workDir: context.workDir,
        expectedRate: 300,
        connections: INGEST_CONNECTIONS,
        stepSeconds: options.stepSeconds,
        latencyShares: [],
        latencySeconds: 0,
      });
    const webhookNode = await measure('n8n-webhook-node', PATHS.webhook);
    const trigger = await measure('n8n-trigger', PATHS.trigger);
    const result = { version, webhookNode, trigger, triggerOverWebhook: trigger.sustained / webhookNode.sustained };
    console.log(`n8n ${version}: Webhook node ${Math.round(webhookNode.sustained)}/s, Payment Webhook Trigger ${Math.round(trigger.sustained)}/s`);
    return result;
  } finally {
    await n8n.stop();
  }
}
