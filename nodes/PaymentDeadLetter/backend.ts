import type { IExecuteFunctions } from 'n8n-workflow';
import {
  AdminApiDeadLetterStore,
  HttpReplayer,
  RedisDeadLetterStore,
  type DeadLetterReplayer,
  type DeadLetterStore,
} from '../../core/deadletter';
import { REDIS_CREDENTIAL, closeRedis, openRedis } from '../shared/redis';
import type { Storage } from './description';

export const RUNTIME_CREDENTIAL = 'paymentWebhooksRuntimeApi';

/** Where the records are and who replays them, for one execution. */
export interface Backend {
  store: DeadLetterStore;
  replayer: DeadLetterReplayer;
  close(): Promise<void>;
}

/**
 * Redis: the node replays itself, over HTTP. The runtime: its admin API keeps the records
 * and replays to its own destinations (a URL given is still sent from here).
 */
export async function openBackend(context: IExecuteFunctions, storage: Storage): Promise<Backend> {
  if (storage === 'runtime') {
    const credential = await context.getCredentials(RUNTIME_CREDENTIAL);
    const store = new AdminApiDeadLetterStore({ baseUrl: String(credential.baseUrl), token: String(credential.token) });
    return { store, replayer: store.replayer(), close: async () => {} };
  }
  const connection = await openRedis(await context.getCredentials(REDIS_CREDENTIAL));
  const store = new RedisDeadLetterStore({ client: connection.client, keyPrefix: `${connection.keyPrefix}dead-letters:` });
  return { store, replayer: new HttpReplayer({ store }), close: () => closeRedis(connection) };
}
