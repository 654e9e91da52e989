import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The connector runtime's admin API (`/admin/*`, bearer token): how the Dead Letter node
 * reaches the dead letters of a runtime that keeps them in its own SQLite file.
 */
export class PaymentWebhooksRuntimeApi implements ICredentialType {
  name = 'paymentWebhooksRuntimeApi';

  displayName = 'Payment Webhooks Runtime API';

  icon = 'file:paymentWebhooksRuntime.svg' as const;

  documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-payment-webhooks';

  properties: INodeProperties[] = [
    {
      displayName: 'Runtime URL',
      name: 'baseUrl',
      type: 'string',
      default: 'http://127.0.0.1:8080',
      required: true,
      description: 'Where the payment-webhooks runtime listens, without /admin',
    },
    {
      displayName: 'Admin Token',
      name: 'token',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      required: true,
      description: 'The admin.token of the runtime’s configuration (often set from the ADMIN_TOKEN environment variable)',
    },
  ];

  authenticate: IAuthenticateGeneric = {
    type: 'generic',
    properties: { headers: { Authorization: '=Bearer {{$credentials.token}}' } },
  };

  test: ICredentialTestRequest = {
    request: { baseURL: '={{$credentials.baseUrl}}', url: '/admin/dead-letters', qs: { limit: 1 } },
  };
}
