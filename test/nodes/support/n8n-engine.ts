/**
 * What n8n's own node tests build around a node (n8n-io/n8n, packages/core/nodes-testing): node
 * types, a credentials helper and the additional data n8n-core's execution engine runs with.
 * workflow-run.ts runs execute() nodes through it, webhook-server.ts the trigger's webhook().
 */
import type { Container } from '@n8n/di';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSHClientsManager } from 'n8n-core/dist/execution-engine/ssh-clients-manager';
import {
  ICredentialsHelper,
  NodeHelpers,
  type ICredentialDataDecryptedObject,
  type ICredentialType,
  type INodeCredentialsDetails,
  type INodeParameters,
  type INodeType,
  type INodeTypes,
  type IWorkflowBase,
  type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { PaymentGatewayApi } from '../../../credentials/PaymentGatewayApi.credentials';
import { PaymentWebhooksN8nApi } from '../../../credentials/PaymentWebhooksN8nApi.credentials';
import { PaymentWebhooksRedisApi } from '../../../credentials/PaymentWebhooksRedisApi.credentials';
import { PaymentWebhooksRuntimeApi } from '../../../credentials/PaymentWebhooksRuntimeApi.credentials';

// n8n-core keeps its instance settings (an encryption key file) in the n8n user folder, ~/.n8n
// unless told otherwise: give it a folder of this test file's own, read when the engine first runs.
// Its logger stays silent unless N8N_LOG_LEVEL asks otherwise: a test reads the node's log lines itself.
const userFolder = mkdtempSync(join(tmpdir(), 'n8n-node-tests-'));
process.env.N8N_USER_FOLDER = userFolder;
process.env.N8N_LOG_LEVEL ??= 'silent';
afterAll(() => rmSync(userFolder, { recursive: true, force: true }));

/** n8n-core's dependency container: its own copy of @n8n/di, not the one at the top of node_modules. */
function n8nCoreContainer(): typeof Container {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(require.resolve('@n8n/di', { paths: [require.resolve('n8n-core')] })) as { Container: typeof Container }).Container;
}

// The first execute context starts n8n-core's SSH client manager, whose cleanup timer runs until
// n8n shuts down: shut it down as n8n does, or the test process cannot exit.
afterAll(() => n8nCoreContainer().get(SSHClientsManager).onShutdown());

/** The package's name, which n8n puts before each node's name to make its type. */
export const PACKAGE_NAME = 'n8n-nodes-payment-webhooks';

export const nodeTypeName = (node: INodeType) => `${PACKAGE_NAME}.${node.description.name}`;

/** The node types of one workflow, looked up by type name as n8n's NodeTypes does. */
export function nodeTypes(types: Record<string, INodeType>): INodeTypes {
  const byName = (name: string) => {
    const type = types[name];
    if (!type) throw new Error(`the workflow uses node type "${name}", which this test does not provide`);
    return type;
  };
  return {
    getByName: byName,
    getByNameAndVersion: byName,
    getKnownTypes: () => Object.fromEntries(Object.keys(types).map((name) => [name, { className: name, sourcePath: '' }])),
  };
}

const CREDENTIAL_TYPES: ICredentialType[] = [new PaymentGatewayApi(), new PaymentWebhooksN8nApi(), new PaymentWebhooksRedisApi(), new PaymentWebhooksRuntimeApi()];

/**
 * Hands each credential type the test's data, with the form's defaults filled in the way n8n's
 * own credentials helper does before a node sees them. The other methods serve n8n's HTTP
 * helpers and OAuth, which these nodes do not use: a call to one fails the test loudly.
 */
export class TestCredentialsHelper extends ICredentialsHelper {
  constructor(private readonly credentials: Record<string, ICredentialDataDecryptedObject>) {
    super();
  }

  async getDecrypted(_additionalData: IWorkflowExecuteAdditionalData, _details: INodeCredentialsDetails, type: string): Promise<ICredentialDataDecryptedObject> {
    const data = this.credentials[type];
    if (!data) throw new Error(`the node asked for credential "${type}", which this test does not provide`);
    const credentialType = CREDENTIAL_TYPES.find((each) => each.name === type);
    if (!credentialType) throw new Error(`no credential type "${type}" in this package`);
    return (NodeHelpers.getNodeParameters(credentialType.properties, data as INodeParameters, true, false, null, null) ?? {}) as ICredentialDataDecryptedObject;
  }

  getCredentialsProperties(type: string) {
    return CREDENTIAL_TYPES.find((each) => each.name === type)?.properties ?? [];
  }

  getParentTypes(): string[] {
    return [];
  }

  authenticate(): never {
    throw new Error('n8n authenticated a request for the node, which these nodes never ask for');
  }

  preAuthentication(): never {
    throw new Error('n8n ran a pre-authentication, which these nodes never ask for');
  }

  getCredentials(): never {
    throw new Error('n8n asked for encrypted credentials, which these tests never store');
  }

  updateCredentials(): never {
    throw new Error('n8n updated a credential, which these nodes never do');
  }

  updateCredentialsOauthTokenData(): never {
    throw new Error('n8n updated an OAuth token, which these nodes never use');
  }
}

/** Node credentials as a workflow stores them: one reference per credential type the test provides. */
export function credentialReferences(credentials: Record<string, ICredentialDataDecryptedObject>) {
  return Object.fromEntries(Object.keys(credentials).map((type) => [type, { id: `${type}-1`, name: type }]));
}

/** The stored workflow the execution lifecycle hooks describe. */
export function workflowData(workflow: Pick<IWorkflowBase, 'nodes' | 'connections' | 'settings'>): IWorkflowBase {
  const now = new Date();
  return { id: 'node-test', name: 'Node test', active: false, activeVersionId: null, isArchived: false, createdAt: now, updatedAt: now, ...workflow };
}

const unavailable = (what: string) => () => {
  throw new Error(`the node used ${what}, which a node test does not run`);
};

/**
 * The additional data n8n's process gives an execution: the credentials helper, the instance's
 * URLs and no sub-workflows, task runners or AI events, which a node test does not run.
 */
export function additionalData(options: {
  credentials: Record<string, ICredentialDataDecryptedObject>;
  extra?: Partial<IWorkflowExecuteAdditionalData>;
}): IWorkflowExecuteAdditionalData {
  return {
    credentialsHelper: new TestCredentialsHelper(options.credentials),
    executeWorkflow: unavailable('a sub-workflow'),
    getRunExecutionData: unavailable("another execution's data"),
    startRunnerTask: unavailable('a task runner'),
    logAiEvent: unavailable('an AI event'),
    executionId: '1',
    currentNodeExecutionIndex: 0,
    restApiUrl: 'http://127.0.0.1:5678/rest',
    instanceBaseUrl: 'http://127.0.0.1:5678/',
    formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
    webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
    webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
    webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
    variables: {},
    ...options.extra,
  } as IWorkflowExecuteAdditionalData;
}
