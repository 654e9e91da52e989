import type { WorkflowExport } from './n8n-instance';
import { CREDENTIAL_IDS } from './credentials';

/** Workflows of the tests' own (the templates are in workflows-templates/). */
const PACKAGE = 'n8n-nodes-payment-webhooks';

export const IDEMPOTENCY_WORKFLOW_ID = 'pwE2eIdempotency';
export const IDEMPOTENCY_PATH = 'e2e-stripe-idempotency';

/** Issue 4: Payment Webhook Trigger (Stripe) -> Payment Idempotency Claim -> New | Duplicate. */
export function idempotencyWorkflow(): WorkflowExport {
  const node = (name: string, type: string, x: number, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id: `e2e-${name.toLowerCase().replace(/\W+/g, '-')}`,
    name,
    type,
    typeVersion: 1,
    position: [x, 0],
    parameters,
    ...extra,
  });
  const redis = { paymentWebhooksRedisApi: { id: CREDENTIAL_IDS.redis, name: 'Payment webhooks Redis' } };
  const to = (name: string) => [{ node: name, type: 'main', index: 0 }];
  return {
    id: IDEMPOTENCY_WORKFLOW_ID,
    name: 'E2E: Stripe trigger and idempotency',
    settings: { executionOrder: 'v1' },
    nodes: [
      node('Stripe Webhook', `${PACKAGE}.paymentWebhookTrigger`, 0, { provider: 'stripe', path: IDEMPOTENCY_PATH, responseMode: 'onReceived', options: {} }, {
        webhookId: '6d1f7c52-4f0e-4d8e-9a47-e2e000000004',
        credentials: { paymentGatewayApi: { id: CREDENTIAL_IDS.stripeWebhook, name: 'Stripe webhooks' } },
      }),
      node('Payment Idempotency', `${PACKAGE}.paymentIdempotency`, 240, { operation: 'claim', key: '={{ $json.idempotencyKey }}' }, { credentials: redis }),
      node('New', 'n8n-nodes-base.noOp', 480, {}),
      node('Complete', `${PACKAGE}.paymentIdempotency`, 720, { operation: 'complete' }, { credentials: redis }),
      node('Duplicate', 'n8n-nodes-base.noOp', 480, {}),
    ],
    connections: {
      'Stripe Webhook': { main: [to('Payment Idempotency')] },
      'Payment Idempotency': { main: [to('New'), to('Duplicate')] },
      New: { main: [to('Complete')] },
    },
  };
}

export const AT_ONCE_WORKFLOW_ID = 'pwE2eExecAtOnce';
export const AT_ONCE_PATH = 'e2e-runtime-at-once';
export const RESPOND_NODE_WORKFLOW_ID = 'pwE2eExecRespond';
export const RESPOND_NODE_PATH = 'e2e-runtime-respond-node';

/**
 * Deliveries from the runtime, answered two ways: by the trigger at once (n8n 2.x names the
 * execution in that answer), and by a Respond to Webhook node (version 1) answering the
 * execution's id as JSON, the way a workflow says so on n8n 1.x.
 */
export function executionIdWorkflows(): WorkflowExport[] {
  const trigger = (path: string, responseMode: string, webhookId: string) => ({
    id: `e2e-${path}`,
    name: 'From Runtime',
    type: `${PACKAGE}.paymentWebhookTrigger`,
    typeVersion: 1,
    position: [0, 0],
    parameters: { provider: 'standard-webhooks', path, responseMode, options: {} },
    webhookId,
    credentials: { paymentGatewayApi: { id: CREDENTIAL_IDS.runtimeDelivery, name: 'Payment webhooks runtime' } },
  });
  const noOp = (x: number) => ({ id: `e2e-done-${x}`, name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [x, 0], parameters: {} });
  const to = (name: string) => ({ main: [[{ node: name, type: 'main', index: 0 }]] });
  return [
    {
      id: AT_ONCE_WORKFLOW_ID,
      name: 'E2E: runtime deliveries answered at once',
      settings: { executionOrder: 'v1' },
      nodes: [trigger(AT_ONCE_PATH, 'onReceived', '6d1f7c52-4f0e-4d8e-9a47-e2e000000021'), noOp(240)],
      connections: { 'From Runtime': to('Done') },
    },
    {
      id: RESPOND_NODE_WORKFLOW_ID,
      name: 'E2E: runtime deliveries answered by a Respond to Webhook node',
      settings: { executionOrder: 'v1' },
      nodes: [
        trigger(RESPOND_NODE_PATH, 'responseNode', '6d1f7c52-4f0e-4d8e-9a47-e2e000000022'),
        {
          id: 'e2e-answer-execution',
          name: 'Answer With Execution',
          type: 'n8n-nodes-base.respondToWebhook',
          typeVersion: 1,
          position: [240, 0],
          parameters: { respondWith: 'json', responseBody: '={{ JSON.stringify({ executionId: $execution.id }) }}', options: {} },
        },
        noOp(480),
      ],
      connections: { 'From Runtime': to('Answer With Execution'), 'Answer With Execution': to('Done') },
    },
  ];
}
