import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
  NodeApiError,
  NodeConnectionTypes,
  NodeOperationError,
  Workflow,
  type ExecutionError,
  type ICredentialDataDecryptedObject,
  type IConnections,
  type IExecuteFunctions,
  type INode,
  type INodeExecutionData,
  type INodeParameters,
  type INodeType,
} from 'n8n-workflow';

import { additionalData, credentialReferences, nodeTypeName, nodeTypes, workflowData } from './n8n-engine';

export interface WorkflowRunOptions {
  node: INodeType;
  /** The node's name in the workflow (expressions such as $('Payment Idempotency') refer to it). */
  nodeName?: string;
  /** The parameters as n8n stores them: the values set in the editor, expressions as '={{ ... }}'; n8n fills in the defaults. */
  parameters: INodeParameters;
  /** The items arriving on the node's first input; `moreInputs` for its second, third, ... */
  items: INodeExecutionData[];
  moreInputs?: INodeExecutionData[][];
  credentials?: Record<string, ICredentialDataDecryptedObject>;
  /** The node's "On Error" setting: continue with the regular output instead of failing the execution. */
  continueOnFail?: boolean;
}

const INPUT_TYPE = 'test.input';

/** The node standing for whatever ran before ours: its items are pinned, as in the editor. */
const inputNode: INodeType = {
  description: {
    displayName: 'Input',
    name: 'input',
    group: ['transform'],
    version: 1,
    description: 'Hands on the items pinned on it',
    defaults: { name: 'Input' },
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    properties: [],
  },
  async execute(this: IExecuteFunctions) {
    return [this.getInputData()];
  },
};

/**
 * n8n keeps a failed node's error in the run data as a plain copy of its fields (its class name
 * in `name`). It is thrown again as that n8n error class, so a test can tell a NodeOperationError
 * the node raised on purpose from a crash.
 */
const ERROR_CLASSES: Record<string, { prototype: Error }> = { NodeOperationError, NodeApiError };

function rethrow(error: ExecutionError): never {
  throw Object.assign(Object.create((ERROR_CLASSES[error.name] ?? Error).prototype) as Error, error);
}

/**
 * Runs the node in n8n's execution engine (WorkflowExecute from n8n-core) inside a workflow:
 * Start, then one Input node per input with the test's items pinned, then the node under test,
 * in n8n's current ("v1") execution order. Returns the node's items per output; when the node
 * fails, throws the error n8n recorded for it.
 */
export async function runWorkflow(options: WorkflowRunOptions): Promise<INodeExecutionData[][]> {
  const { node, nodeName = node.description.defaults.name ?? node.description.displayName, credentials = {} } = options;
  const inputs = [options.items, ...(options.moreInputs ?? [])];
  const type = nodeTypeName(node);
  const inputName = (index: number) => `Input ${index + 1}`;
  const nodes: INode[] = [
    { id: 'start', name: 'Start', type: INPUT_TYPE, typeVersion: 1, position: [0, 0], parameters: {} },
    ...inputs.map((_, index) => ({ id: `input-${index + 1}`, name: inputName(index), type: INPUT_TYPE, typeVersion: 1, position: [0, 0] as [number, number], parameters: {} })),
    {
      id: 'node-under-test',
      name: nodeName,
      type,
      typeVersion: 1,
      position: [0, 0],
      parameters: options.parameters,
      credentials: credentialReferences(credentials),
      ...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
    },
  ];
  const connections: IConnections = {
    Start: { main: [inputs.map((_, index) => ({ node: inputName(index), type: NodeConnectionTypes.Main, index: 0 }))] },
    ...Object.fromEntries(inputs.map((_, index) => [inputName(index), { main: [[{ node: nodeName, type: NodeConnectionTypes.Main, index }]] }])),
  };
  const settings = { executionOrder: 'v1' as const };
  const workflow = new Workflow({ id: 'node-test', nodes, connections, active: false, settings, nodeTypes: nodeTypes({ [INPUT_TYPE]: inputNode, [type]: node }) });
  const hooks = new ExecutionLifecycleHooks('manual', '1', workflowData({ nodes, connections, settings }));
  const execution = new WorkflowExecute(additionalData({ credentials, extra: { hooks } }), 'manual');
  const pinData = Object.fromEntries(inputs.map((items, index) => [inputName(index), items]));
  const run = await execution.run({ workflow, startNode: workflow.getNode('Start')!, pinData });

  const [task] = run.data.resultData.runData[nodeName] ?? [];
  if (!task) rethrow(run.data.resultData.error ?? ({ name: 'Error', message: `n8n did not run ${nodeName}` } as ExecutionError));
  if (task.error) rethrow(task.error);
  return (task.data?.main ?? []).map((output) => output ?? []);
}
