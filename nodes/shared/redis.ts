import { Redis, type RedisOptions } from 'ioredis';
import type { ICredentialDataDecryptedObject, ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

/** The credential type every node of this package that needs Redis uses. */
export const REDIS_CREDENTIAL = 'paymentWebhooksRedisApi';

export interface RedisConnection {
  client: Redis;
  /** The credential's key prefix; each node appends its own area (`idempotency:`, ...). */
  keyPrefix: string;
}

/**
 * The credential's fields as ioredis options. A node's connection lives for one
 * execution, so it does not reconnect: when Redis is down the execution fails at once
 * and visibly (the gateway retries the webhook) instead of hanging.
 */
export function redisOptions(credential: ICredentialDataDecryptedObject): RedisOptions {
  const password = typeof credential.password === 'string' && credential.password !== '' ? credential.password : undefined;
  return {
    host: String(credential.host ?? 'localhost'),
    port: Number(credential.port ?? 6379),
    password,
    db: Number(credential.database ?? 0),
    tls: credential.tls === true ? {} : undefined,
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  };
}

/** Connects for one execution; the caller quits with `closeRedis` when done. */
export async function openRedis(credential: ICredentialDataDecryptedObject): Promise<RedisConnection> {
  const client = new Redis(redisOptions(credential));
  // Errors reach the caller through the rejected command or connect(); without a
  // listener ioredis would also print each one to the console.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  const failure = await client.connect().then(
    () => undefined,
    (error: Error) => lastError ?? error,
  );
  if (failure) {
    await closeRedis({ client, keyPrefix: '' });
    throw new Error(`Could not connect to Redis at ${String(credential.host)}:${String(credential.port)}: ${failure.message}`);
  }
  return { client, keyPrefix: typeof credential.keyPrefix === 'string' ? credential.keyPrefix : 'payment-webhooks:' };
}

export async function closeRedis(connection: RedisConnection): Promise<void> {
  const { client } = connection;
  // quit() lets pending replies arrive. A connection that already ended is left alone:
  // disconnecting it again would leave ioredis waiting on a socket that never closes.
  if (client.status === 'ready') await client.quit();
  else if (client.status !== 'end') client.disconnect();
}

/** A credential test for nodes' `testedBy`: connects and pings with the values in the form. */
export async function testRedisCredential(
  this: ICredentialTestFunctions,
  credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
  try {
    const connection = await openRedis(credential.data ?? {});
    try {
      await connection.client.ping();
    } finally {
      await closeRedis(connection);
    }
    return { status: 'OK', message: 'Connected to Redis' };
  } catch (error) {
    return { status: 'Error', message: (error as Error).message };
  }
}
