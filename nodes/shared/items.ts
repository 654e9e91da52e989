import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

/** One result of an input item: the output it leaves by and its JSON. */
export interface RoutedItem {
  output: number;
  json: IDataObject;
}

export interface RouteItemsOptions {
  /** How many outputs the node has; each gets a list, empty or not. */
  outputCount: number;
  /** Where an item that failed goes on, as its JSON plus `error`, when "Continue On Fail" is on. */
  failedOutput: number;
  /**
   * One item's result, or several. Items run in input order, each after the one before has
   * finished, so an item sees what the ones before it did (a claim, an invoice's remainder).
   */
  route: (item: INodeExecutionData, index: number) => RoutedItem | RoutedItem[] | Promise<RoutedItem | RoutedItem[]>;
  /**
   * Whether an error is the item's own; any other error fails the execution even with
   * "Continue On Fail" (a bug must not pass as a bad item). Unless given, every error is.
   */
  isItemError?: (error: unknown) => boolean;
}

/** Runs each input item through `route` and sorts the results into the node's outputs. */
export async function routeItems(context: IExecuteFunctions, options: RouteItemsOptions): Promise<INodeExecutionData[][]> {
  const { outputCount, failedOutput, route, isItemError = () => true } = options;
  const outputs: INodeExecutionData[][] = Array.from({ length: outputCount }, () => []);
  const items = context.getInputData();
  for (let index = 0; index < items.length; index++) {
    try {
      const routed = await route(items[index], index);
      for (const { output, json } of Array.isArray(routed) ? routed : [routed]) outputs[output].push({ json, pairedItem: { item: index } });
    } catch (error) {
      if (!isItemError(error) || !context.continueOnFail()) {
        throw error instanceof NodeOperationError ? error : new NodeOperationError(context.getNode(), error as Error, { itemIndex: index });
      }
      outputs[failedOutput].push({ json: { ...items[index].json, error: (error as Error).message }, pairedItem: { item: index } });
    }
  }
  return outputs;
}
