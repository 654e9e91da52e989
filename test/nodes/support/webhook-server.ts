import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ICredentialDataDecryptedObject, IDataObject, INode, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

/** A request as n8n's webhook server hands it to a node: the body's bytes arrive through readRawBody(). */
type N8nRequest = IncomingMessage & { rawBody?: Buffer; readRawBody(): Promise<void> };

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta?: unknown;
}

export interface WebhookServerOptions {
  node: { webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> };
  nodeName: string;
  parameters: Record<string, unknown>;
  credentials: Record<string, ICredentialDataDecryptedObject>;
}

export interface WebhookServer {
  url: string;
  /** What webhook() returned, one entry per request, in arrival order. */
  results: IWebhookResponseData[];
  logs: LogLine[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback that calls the node's webhook() with a context implementing
 * only the IWebhookFunctions methods the node uses (any other call fails the test). When the
 * node answers nothing itself it stands in for n8n's "respond immediately, no data": an empty 200.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const results: IWebhookResponseData[] = [];
  const logs: LogLine[] = [];
  const node: INode = {
    id: 'trigger-1',
    name: options.nodeName,
    type: 'n8n-nodes-payment-webhooks.paymentWebhookTrigger',
    typeVersion: 1,
    position: [0, 0],
    parameters: {},
  };
  const log = (level: LogLine['level']) => (message: string, meta?: unknown) => logs.push({ level, message, meta });

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const request = incoming as N8nRequest;
    request.readRawBody = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      request.rawBody = Buffer.concat(chunks);
    };
    const implemented: Partial<IWebhookFunctions> = {
      getNode: () => node,
      getRequestObject: () => request as never,
      getResponseObject: () => response as never,
      getHeaderData: () => request.headers,
      getNodeParameter: ((name: string, fallback?: unknown) =>
        name in options.parameters ? options.parameters[name] : fallback) as IWebhookFunctions['getNodeParameter'],
      getCredentials: (async (name: string) => {
        const credential = options.credentials[name];
        if (!credential) throw new Error(`the node asked for credential "${name}", which this test does not provide`);
        return credential;
      }) as IWebhookFunctions['getCredentials'],
      logger: { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') },
      helpers: {
        returnJsonArray: (data: IDataObject | IDataObject[]) => (Array.isArray(data) ? data : [data]).map((json) => ({ json })),
      } as unknown as IWebhookFunctions['helpers'],
    };
    const context = new Proxy(implemented, {
      get(target, property) {
        if (property in target) return target[property as keyof IWebhookFunctions];
        if (typeof property === 'symbol' || property === 'then') return undefined;
        throw new Error(`the node called this.${property}, which the test context does not implement`);
      },
    }) as IWebhookFunctions;

    try {
      const result = await options.node.webhook.call(context);
      results.push(result);
      if (!result.noWebhookResponse) response.writeHead(200).end();
    } catch (error) {
      logs.push({ level: 'error', message: `webhook() threw: ${(error as Error).message}` });
      if (!response.headersSent) response.writeHead(500).end();
    }
  };

  const server: Server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook/payments`,
    results,
    logs,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
