import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

/** The Redis credential pointing at the test Redis (REDIS_URL), with a prefix of the test's own. */
export function redisCredential(keyPrefix: string): ICredentialDataDecryptedObject {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests through jest so its global setup starts Redis');
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    password: decodeURIComponent(parsed.password),
    database: Number(parsed.pathname.slice(1) || 0),
    tls: parsed.protocol === 'rediss:',
    keyPrefix,
  };
}
