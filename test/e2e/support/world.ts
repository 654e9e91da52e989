import { randomBytes } from 'node:crypto';
import { CREDENTIAL_IDS, testCredentials } from './credentials';
import { startHttpRecorder, type HttpRecorder } from './http-recorder';
import { OPENAI_BASE_PATH } from './openai-stand-in';
import { startN8n, type N8nInstance, type WorkflowExport } from './n8n-instance';
import { setUpOwner, type OwnerSession } from './n8n-owner';
import { SmtpSink, startSmtpSink } from './smtp-sink';
import { loadTemplate, templateNames } from './templates';

/** Everything one n8n version's tests talk to: n8n itself and the loopback outside world. */
export interface World {
  n8n: N8nInstance;
  owner: OwnerSession;
  smtp: SmtpSink;
  /** Stands in for the CRM (/crm), the accounting system (/accounting), Stripe's API (/stripe), OpenAI's API (/openai) and the fast lane. */
  outside: HttpRecorder;
  stripeSecret: string;
  deliverySecret: string;
  replayToken: string;
  /** The header value the insights template's Send Now webhook asks for. */
  insightsToken: string;
  templates: Record<string, WorkflowExport>;
  stop(): Promise<void>;
}

export interface WorldOptions {
  version: string;
  tarball: string;
  /** Workflows of the tests' own, next to the templates. */
  workflows: WorkflowExport[];
}

const REPLAY_HEADER = 'x-replay-token';
const INSIGHTS_HEADER = 'x-insights-token';

export async function startWorld(options: WorldOptions): Promise<World> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error('REDIS_URL is not set: the jest globalSetup starts a redis-server and sets it');
  const smtp = await startSmtpSink();
  const outside = await startHttpRecorder();
  const stripeSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const deliverySecret = `whsec_${randomBytes(24).toString('base64')}`;
  const replayToken = randomBytes(16).toString('hex');
  const insightsToken = randomBytes(16).toString('hex');
  const templates = Object.fromEntries(templateNames().map((name) => [name, loadTemplate(name)]));
  const workflows = [...Object.values(templates), ...options.workflows];
  const credentials = [
    ...testCredentials({
      stripeSigningSecret: stripeSecret,
      runtimeDeliverySecret: deliverySecret,
      redisUrl,
      redisKeyPrefix: `e2e-${options.version}-${randomBytes(4).toString('hex')}:`,
      smtpPort: smtp.port,
      openAiBaseUrl: `${outside.url}${OPENAI_BASE_PATH}`,
    }),
    // Filled in once n8n runs and its owner has made an API key.
    { id: CREDENTIAL_IDS.n8nApi, name: 'n8n API (dead letters)', type: 'paymentWebhooksN8nApi', data: { baseUrl: '', apiKey: '' } },
    { id: CREDENTIAL_IDS.replayAuth, name: 'Dead letter replay token', type: 'httpHeaderAuth', data: { name: REPLAY_HEADER, value: replayToken } },
    { id: CREDENTIAL_IDS.insightsAuth, name: 'Insights request token', type: 'httpHeaderAuth', data: { name: INSIGHTS_HEADER, value: insightsToken } },
    // Pointed at a runtime by the test that starts one.
    { id: CREDENTIAL_IDS.runtimeAdmin, name: 'Payment webhooks runtime admin', type: 'paymentWebhooksRuntimeApi', data: { baseUrl: 'http://127.0.0.1:9', token: 'unset' } },
  ];
  let n8n: N8nInstance | undefined;
  try {
    n8n = await startN8n({
      version: options.version,
      tarball: options.tarball,
      credentials,
      workflows,
      webhookPaths: workflows.flatMap(webhookPathsOf),
      env: {
        CRM_BASE_URL: `${outside.url}/crm`,
        ACCOUNTING_BASE_URL: `${outside.url}/accounting`,
        STRIPE_API_BASE_URL: `${outside.url}/stripe`,
        FAST_LANE_URL: `${outside.url}/fast-lane`,
        PAYMENT_WEBHOOKS_DELIVERY_SECRET: deliverySecret,
      },
    });
    const owner = await setUpOwner(n8n.baseUrl);
    await owner.rest('PATCH', `/rest/credentials/${CREDENTIAL_IDS.n8nApi}`, {
      name: 'n8n API (dead letters)',
      type: 'paymentWebhooksN8nApi',
      data: { baseUrl: `${n8n.baseUrl}/api/v1`, apiKey: owner.apiKey },
    });
    const started = n8n;
    return {
      n8n: started,
      owner,
      smtp,
      outside,
      stripeSecret,
      deliverySecret,
      replayToken,
      insightsToken,
      templates,
      stop: async () => {
        await started.stop();
        await smtp.close();
        await outside.close();
      },
    };
  } catch (error) {
    await n8n?.stop();
    await smtp.close();
    await outside.close();
    throw error;
  }
}

export const replayHeaders = (world: World) => ({ 'content-type': 'application/json', [REPLAY_HEADER]: world.replayToken });
export const insightsHeaders = (world: World) => ({ [INSIGHTS_HEADER]: world.insightsToken });

/** POST webhook paths of a workflow's enabled webhook nodes (ours and n8n's own). */
export function webhookPathsOf(workflow: WorkflowExport): string[] {
  return workflow.nodes
    .filter((node) => !node.disabled && /paymentWebhookTrigger$|\.webhook$/.test(node.type))
    .filter((node) => (node.parameters.httpMethod ?? 'POST') === 'POST')
    .map((node) => String(node.parameters.path));
}
