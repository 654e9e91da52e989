import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookContext } from 'n8n-core';
import { Workflow, type ICredentialDataDecryptedObject, type INode, type INodeParameters, type INodeType, type IWebhookResponseData, type Logger } from 'n8n-workflow';

import { additionalData, credentialReferences, nodeTypeName, nodeTypes } from './n8n-engine';

/** A request as n8n's webhook server hands it to a node: the body's bytes arrive through readRawBody(). */
type N8nRequest = IncomingMessage & { rawBody?: Buffer; readRawBody(): Promise<void> };

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta?: unknown;
}

export interface WebhookServerOptions {
  node: INodeType;
  nodeName: string;
  /** The parameters as n8n stores them; n8n fills in the defaults. */
  parameters: INodeParameters;
  credentials: Record<string, ICredentialDataDecryptedObject>;
}

export interface WebhookServer {
  url: string;
  /** What webhook() returned, one entry per request, in arrival order. */
  results: IWebhookResponseData[];
  logs: LogLine[];
  close(): Promise<void>;
}

/** n8n-core's webhook context, with the logger n8n's process would configure replaced by one the test reads. */
class RecordingWebhookContext extends WebhookContext {
  constructor(
    private readonly recorder: Logger,
    ...context: ConstructorParameters<typeof WebhookContext>
  ) {
    super(...context);
  }

  override get logger() {
    return this.recorder as WebhookContext['logger'];
  }
}

/**
 * A real HTTP server on loopback that calls the node's webhook() in n8n-core's own webhook
 * context (WebhookContext: parameters, credentials, headers, helpers as n8n implements them).
 * It stands in only for n8n's webhook service in the n8n package, which n8n-core does not hold:
 * the request with its readRawBody(), and, when the node answers nothing itself, n8n's
 * "respond immediately, no data": an empty 200.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const results: IWebhookResponseData[] = [];
  const logs: LogLine[] = [];
  const log = (level: LogLine['level']) => (message: string, meta?: unknown) => logs.push({ level, message, meta });
  const recorder = { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') } as Logger;
  const type = nodeTypeName(options.node);
  const node: INode = {
    id: 'trigger-1',
    name: options.nodeName,
    type,
    typeVersion: 1,
    position: [0, 0],
    parameters: options.parameters,
    credentials: credentialReferences(options.credentials),
  };
  const workflow = new Workflow({ id: 'node-test', nodes: [node], connections: {}, active: true, nodeTypes: nodeTypes({ [type]: options.node }) });
  const [webhookDescription] = options.node.description.webhooks ?? [];
  if (!webhookDescription) throw new Error(`${type} describes no webhook`);

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const request = incoming as N8nRequest;
    request.readRawBody = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      request.rawBody = Buffer.concat(chunks);
    };
    const execution = additionalData({ credentials: options.credentials, extra: { httpRequest: request as never, httpResponse: response as never } });
    const webhookData = { httpMethod: 'POST' as const, node: node.name, path: 'payments', webhookDescription, workflowId: workflow.id, workflowExecuteAdditionalData: execution };
    const context = new RecordingWebhookContext(recorder, workflow, workflow.getNode(node.name)!, execution, 'webhook', webhookData, [], null);
    try {
      const result = await options.node.webhook!.call(context);
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
