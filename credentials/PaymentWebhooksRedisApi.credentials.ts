import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The Redis that keeps idempotency keys, dead letters and risk counters. Shared by the
 * Payment Idempotency, Dead Letter and Risk nodes, so the name stays `paymentWebhooksRedisApi`.
 */
export class PaymentWebhooksRedisApi implements ICredentialType {
  name = 'paymentWebhooksRedisApi';

  displayName = 'Payment Webhooks Redis';

  icon = 'file:paymentWebhooksRedis.svg' as const;

  documentationUrl = 'https://redis.io/docs/latest/operate/oss_and_stack/management/config/';

  properties: INodeProperties[] = [
    {
      displayName: 'Host',
      name: 'host',
      type: 'string',
      default: 'localhost',
      required: true,
    },
    {
      displayName: 'Port',
      name: 'port',
      type: 'number',
      default: 6379,
    },
    {
      displayName: 'Password',
      name: 'password',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      description: 'Leave empty if your Redis has no password',
    },
    {
      displayName: 'Database Number',
      name: 'database',
      type: 'number',
      default: 0,
      description: 'Redis database index (0-15 on a default Redis)',
    },
    {
      displayName: 'Use TLS',
      name: 'tls',
      type: 'boolean',
      default: false,
      description: 'Whether to connect over TLS (needed by most hosted Redis services)',
    },
    {
      displayName: 'Key Prefix',
      name: 'keyPrefix',
      type: 'string',
      default: 'payment-webhooks:',
      description: 'Put in front of every key, so several n8n instances or apps can share one Redis without clashing',
    },
  ];
}
