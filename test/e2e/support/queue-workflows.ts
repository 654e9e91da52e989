import { CREDENTIAL_IDS } from './credentials';
import type { WorkflowExport } from './n8n-instance';

/** The queue-mode test's workflows: each event claimed, one effect sent to a loopback destination, then completed. */
const PACKAGE = 'n8n-nodes-payment-webhooks';

/** Environment each n8n process gets: its own name (main, worker-1, …) and where effects go. */
export const PROCESS_NAME_VARIABLE = 'PW_E2E_PROCESS';
export const EFFECT_URL_VARIABLE = 'PW_E2E_EFFECT_URL';

/** What the Effect node sends: the event's key, and which execution on which n8n process sent it. */
export interface EffectBody {
  key: string;
  executionId: string;
  process: string;
}

export interface QueueWorkflowOptions {
  id: string;
  path: string;
  webhookId: string;
  /** onReceived answers 200 once the event is verified; lastNode answers only when the workflow has finished. */
  responseMode: 'onReceived' | 'lastNode';
  leaseSeconds: number;
}

/**
 * Payment Webhook Trigger (Stripe) -> Claim -> New: Effect (HTTP POST) -> Complete; Duplicate and
 * In Progress end. With lastNode the In Progress branch fails the execution, so the gateway gets a
 * 500 and retries the copy later, instead of a 200 for an event another run may still lose.
 */
export function queueWorkflow(options: QueueWorkflowOptions): WorkflowExport {
  const node = (name: string, type: string, x: number, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id: `${options.id}-${name.toLowerCase().replace(/\W+/g, '-')}`,
    name,
    type,
    typeVersion: 1,
    position: [x, 0],
    parameters,
    ...extra,
  });
  const redis = { paymentWebhooksRedisApi: { id: CREDENTIAL_IDS.redis, name: 'Payment webhooks Redis' } };
  const claimed = (field: string) => `={{ $('Claim').item.json.${field} }}`;
  const to = (name: string) => [{ node: name, type: 'main', index: 0 }];
  const inProgress =
    options.responseMode === 'lastNode'
      ? node('In Progress', 'n8n-nodes-base.stopAndError', 480, { errorMessage: 'Another run holds this event; retry later' })
      : node('In Progress', 'n8n-nodes-base.noOp', 480, {});
  return {
    id: options.id,
    name: `E2E queue mode: ${options.responseMode}`,
    settings: { executionOrder: 'v1' },
    nodes: [
      node('Stripe Webhook', `${PACKAGE}.paymentWebhookTrigger`, 0, { provider: 'stripe', path: options.path, responseMode: options.responseMode, options: {} }, {
        webhookId: options.webhookId,
        credentials: { paymentGatewayApi: { id: CREDENTIAL_IDS.stripeWebhook, name: 'Stripe webhooks' } },
      }),
      node('Claim', `${PACKAGE}.paymentIdempotency`, 240, { operation: 'claim', key: '={{ $json.idempotencyKey }}', leaseSeconds: options.leaseSeconds }, { credentials: redis }),
      {
        ...node('Effect', 'n8n-nodes-base.httpRequest', 480, {
          method: 'POST',
          url: `={{ $env.${EFFECT_URL_VARIABLE} }}`,
          sendHeaders: true,
          // The key a destination that honours idempotency keys would deduplicate on.
          headerParameters: { parameters: [{ name: 'idempotency-key', value: claimed('idempotencyKey') }] },
          sendBody: true,
          specifyBody: 'json',
          jsonBody: `={{ JSON.stringify({ key: $('Claim').item.json.idempotencyKey, executionId: $execution.id, process: $env.${PROCESS_NAME_VARIABLE} }) }}`,
          options: {},
        }),
        typeVersion: 4.2,
      },
      node('Complete', `${PACKAGE}.paymentIdempotency`, 720, {
        operation: 'complete',
        key: claimed('idempotencyKey'),
        token: claimed('_idempotency.token'),
      }, { credentials: redis }),
      node('Duplicate', 'n8n-nodes-base.noOp', 480, {}),
      inProgress,
    ],
    connections: {
      'Stripe Webhook': { main: [to('Claim')] },
      Claim: { main: [to('Effect'), to('Duplicate'), to('In Progress')] },
      Effect: { main: [to('Complete')] },
    },
  };
}
