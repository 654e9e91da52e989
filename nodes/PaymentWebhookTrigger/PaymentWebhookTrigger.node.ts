import {
  NodeConnectionTypes,
  type ICredentialTestFunctions,
  type ICredentialsDecrypted,
  type INodeCredentialTestResult,
  type INodeType,
  type INodeTypeDescription,
  type IWebhookFunctions,
  type IWebhookResponseData,
} from 'n8n-workflow';

import { getProvider } from '../../core/providers';
import { missingSettings } from '../../core/providers/settings';
import { triggerProperties } from './description';
import { receivePaymentWebhook } from './receive';

export class PaymentWebhookTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Payment Webhook Trigger',
    name: 'paymentWebhookTrigger',
    icon: { light: 'file:paymentWebhookTrigger.svg', dark: 'file:paymentWebhookTrigger.dark.svg' },
    group: ['trigger'],
    version: 1,
    subtitle: '={{ $parameter.provider }}',
    description: 'Starts the workflow when a payment gateway sends a webhook, after checking it really comes from the gateway',
    defaults: { name: 'Payment Webhook Trigger' },
    inputs: [],
    outputs: [NodeConnectionTypes.Main],
    credentials: [{ name: 'paymentGatewayApi', required: true, testedBy: 'paymentGatewayApiTest' }],
    webhooks: [
      {
        name: 'default',
        httpMethod: 'POST',
        // Like n8n's Webhook node: the URL is /webhook/<path>, predictable for templates.
        path: '={{ $parameter.path }}',
        isFullPath: true,
        responseMode: '={{ $parameter.responseMode }}',
        // Answering at once, n8n 2.x evaluates this after creating the execution: the answer names it, and
        // the payment webhooks runtime records it on the delivery. n8n 1.x answers before the execution
        // exists ($executionId unset): an empty 200, as "noData" gives (without it 1.x answers the text "firstEntryJson").
        responseData: '={{ $executionId ? { executionId: $executionId } : "noData" }}',
      },
    ],
    properties: triggerProperties,
  };

  // Nothing is registered at the gateway: the user pastes the URL into its dashboard.
  webhookMethods = {
    default: {
      checkExists: async () => true,
      create: async () => true,
      delete: async () => true,
    },
  };

  methods = {
    credentialTest: {
      async paymentGatewayApiTest(
        this: ICredentialTestFunctions,
        credential: ICredentialsDecrypted,
      ): Promise<INodeCredentialTestResult> {
        const values = credential.data ?? {};
        const provider = getProvider(String(values.provider));
        if (!provider) return { status: 'Error', message: 'Choose the payment gateway' };
        const missing = missingSettings(provider.settings, values);
        if (missing.length > 0) return { status: 'Error', message: `Fill in: ${missing.join(', ')}` };
        return {
          status: 'OK',
          message: `Complete for ${provider.displayName}. The secret itself is checked when the first webhook arrives.`,
        };
      },
    },
  };

  async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
    return receivePaymentWebhook(this);
  }
}
