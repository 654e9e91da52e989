import { NodeHelpers, type INodeParameters, type INodeTypeDescription } from 'n8n-workflow';

/**
 * The parameters n8n stores for a node: the values set in the editor plus every default of a
 * parameter that is shown, resolved by n8n-workflow's own getNodeParameters.
 */
export function nodeParameters(description: INodeTypeDescription, values: INodeParameters): Record<string, unknown> {
  const resolved = NodeHelpers.getNodeParameters(description.properties, values, true, false, { typeVersion: 1 }, description);
  if (resolved === null) throw new Error(`n8n resolved no parameters for ${description.name}`);
  return resolved;
}
