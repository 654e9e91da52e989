import type { CredentialExport } from './n8n-instance';

/**
 * The credentials the templates and test workflows refer to, by the fixed ids the
 * templates carry, pointed at the tests' loopback stand-ins.
 */
export const CREDENTIAL_IDS = {
  stripeWebhook: 'pwStripeWebhook1',
  runtimeDelivery: 'pwRuntimeDeliver',
  redis: 'pwRedis000000001',
  smtp: 'pwSmtp0000000001',
  stripeApi: 'pwStripeApi00001',
  hubspot: 'pwHubspot0000001',
  openAi: 'pwOpenAi00000001',
  slack: 'pwSlack000000001',
  n8nApi: 'pwN8nApi00000001',
  replayAuth: 'pwReplayAuth0001',
  insightsAuth: 'pwInsightsAuth01',
  runtimeAdmin: 'pwRuntimeAdmin01',
} as const;

export interface CredentialTargets {
  stripeSigningSecret: string;
  runtimeDeliverySecret: string;
  redisUrl: string;
  /** Each n8n instance keeps its keys apart from the others' in the shared Redis. */
  redisKeyPrefix: string;
  smtpPort: number;
  /** The OpenAI credential's Base URL: the loopback stand-in for OpenAI's API (OpenAI's own when not given). */
  openAiBaseUrl?: string;
}

export function testCredentials(targets: CredentialTargets): CredentialExport[] {
  const redis = new URL(targets.redisUrl);
  return [
    {
      id: CREDENTIAL_IDS.stripeWebhook,
      name: 'Stripe webhooks',
      type: 'paymentGatewayApi',
      data: { provider: 'stripe', secret: targets.stripeSigningSecret, toleranceSeconds: 300 },
    },
    {
      id: CREDENTIAL_IDS.runtimeDelivery,
      name: 'Payment webhooks runtime',
      type: 'paymentGatewayApi',
      data: { provider: 'standard-webhooks', secret: targets.runtimeDeliverySecret, toleranceSeconds: 300, acceptCanonicalEvents: true },
    },
    {
      id: CREDENTIAL_IDS.redis,
      name: 'Payment webhooks Redis',
      type: 'paymentWebhooksRedisApi',
      data: {
        host: redis.hostname,
        port: Number(redis.port || 6379),
        password: '',
        database: 0,
        tls: false,
        keyPrefix: targets.redisKeyPrefix,
      },
    },
    {
      id: CREDENTIAL_IDS.smtp,
      name: 'SMTP',
      type: 'smtp',
      data: { user: '', password: '', host: '127.0.0.1', port: targets.smtpPort, secure: false, disableStartTls: true },
    },
    // Reached over the tests' loopback stand-in for Stripe's API; the key is never valid.
    { id: CREDENTIAL_IDS.stripeApi, name: 'Stripe API', type: 'stripeApi', data: { secretKey: 'sk_test_e2e_loopback' } },
    // The dunning template's AI step, reached over the tests' loopback stand-in for OpenAI's API.
    { id: CREDENTIAL_IDS.openAi, name: 'OpenAI', type: 'openAiApi', data: { apiKey: 'sk-e2e-loopback', ...(targets.openAiBaseUrl && { url: targets.openAiBaseUrl }) } },
    // Referenced by disabled or unused branches only.
    { id: CREDENTIAL_IDS.hubspot, name: 'HubSpot', type: 'hubspotAppToken', data: { appToken: 'pat-e2e-unused' } },
    { id: CREDENTIAL_IDS.slack, name: 'Slack', type: 'slackApi', data: { accessToken: 'xoxb-e2e-unused' } },
  ];
}
