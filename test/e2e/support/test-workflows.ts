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
