import type { ICredentialDataDecryptedObject, IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';

/**
 * A parameter as n8n hands it to the node: a plain value, or (for parameters whose
 * default is an expression such as `{{ $json.idempotencyKey }}`) a function computing
 * what that expression gives for the item.
 */
export type ParameterValue = unknown | ((item: INodeExecutionData, index: number) => unknown);

export interface ExecuteContextOptions {
  node: Pick<INode, 'name' | 'type'>;
  items: INodeExecutionData[];
  /** Items on the node's further inputs (input 1, 2, ...), for nodes with more than one input. */
  moreInputs?: INodeExecutionData[][];
  parameters: Record<string, ParameterValue>;
  credentials: Record<string, ICredentialDataDecryptedObject>;
  continueOnFail?: boolean;
}

/**
 * The IExecuteFunctions methods the nodes call, and nothing else: a call to any other
 * method fails the test loudly instead of returning something invented.
 */
export function executeContext(options: ExecuteContextOptions): IExecuteFunctions {
  const node: INode = { id: 'node-1', typeVersion: 1, position: [0, 0], parameters: {}, ...options.node };
  const implemented: Partial<IExecuteFunctions> = {
    getInputData: ((inputIndex = 0) => (inputIndex === 0 ? options.items : options.moreInputs?.[inputIndex - 1] ?? [])) as IExecuteFunctions['getInputData'],
    getNode: () => node,
    continueOnFail: () => options.continueOnFail ?? false,
    getCredentials: (async (name: string) => {
      const credential = options.credentials[name];
      if (!credential) throw new Error(`the node asked for credential "${name}", which this test does not provide`);
      return credential;
    }) as IExecuteFunctions['getCredentials'],
    getNodeParameter: ((name: string, index: number, fallback?: unknown) => {
      if (!(name in options.parameters)) return fallback;
      const value = options.parameters[name];
      return typeof value === 'function' ? value(options.items[index], index) : value;
    }) as IExecuteFunctions['getNodeParameter'],
  };
  return new Proxy(implemented, {
    get(target, property) {
      if (property in target) return target[property as keyof IExecuteFunctions];
      if (typeof property === 'symbol' || property === 'then') return undefined;
      throw new Error(`the node called this.${property}(), which the test context does not implement`);
    },
  }) as IExecuteFunctions;
}

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
