import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * An API key of this n8n instance's public API, so the Payment Dead Letter node can fetch the
 * failed execution an Error Trigger names (n8n hands error workflows no input data).
 * Community nodes may not reuse n8n's own `n8nApi` credential, hence this one.
 */
export class PaymentWebhooksN8nApi implements ICredentialType {
  name = 'paymentWebhooksN8nApi';

  displayName = 'Payment Webhooks N8n API';

  icon = 'file:paymentWebhooksN8n.svg' as const;

  documentationUrl = 'https://docs.n8n.io/api/authentication/';

  properties: INodeProperties[] = [
    {
      displayName: 'API URL',
      name: 'baseUrl',
      type: 'string',
      default: 'http://localhost:5678/api/v1',
      required: true,
      description: 'This n8n instance’s public API: its address followed by /api/v1',
    },
    {
      displayName: 'API Key',
      name: 'apiKey',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      required: true,
      description: 'Create one under Settings > n8n API; it needs to read executions (execution:read)',
    },
  ];

  authenticate: IAuthenticateGeneric = {
    type: 'generic',
    properties: { headers: { 'X-N8N-API-KEY': '={{$credentials.apiKey}}' } },
  };

  test: ICredentialTestRequest = {
    request: { baseURL: '={{$credentials.baseUrl}}', url: '/executions', qs: { limit: 1 } },
  };
}
