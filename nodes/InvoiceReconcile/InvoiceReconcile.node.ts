import {
  NodeConnectionTypes,
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
} from 'n8n-workflow';

import {
  OUTCOMES,
  ReconcileInputError,
  Reconciler,
  invoiceFromRecord,
  paymentFromItem,
  type AmountFormat,
  type OpenInvoice,
  type ReconcileOptions,
} from '../../core/reconcile';
import { routeItems } from '../shared/items';
import { listParameter } from '../shared/list-parameter';
import { OUTPUT_NAMES, reconcileProperties, type InvoiceSource } from './description';

export class InvoiceReconcile implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Reconcile Invoices',
    name: 'invoiceReconcile',
    icon: { light: 'file:invoiceReconcile.svg', dark: 'file:invoiceReconcile.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: 'Match payments to open invoices',
    description: 'Matches each incoming payment to the open invoice it pays, and says whether it was paid in full, short, over, twice or not at all',
    defaults: { name: 'Reconcile Invoices' },
    inputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
    inputNames: ['Payments', 'Invoices'],
    outputs: OUTCOMES.map(() => NodeConnectionTypes.Main),
    outputNames: OUTCOMES.map((outcome) => OUTPUT_NAMES[outcome]),
    usableAsTool: true,
    properties: reconcileProperties,
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const payments = this.getInputData(0);
    const format = this.getNodeParameter('amountFormat', 0) as AmountFormat;
    const reconciler = new Reconciler(readInvoices(this, payments, format), readOptions(this));
    // In input order: a partial payment sees what the payments before it left on the invoice.
    return routeItems(this, {
      outputCount: OUTCOMES.length,
      failedOutput: OUTCOMES.indexOf('unmatched'),
      route: (item, index) => {
        const result = reconciler.reconcile(paymentFromItem(item.json, format, index));
        return { output: OUTCOMES.indexOf(result.outcome), json: { ...item.json, reconciliation: result as unknown as IDataObject } };
      },
      // Only a payment the reconciler cannot read is the item's fault.
      isItemError: (error) => error instanceof ReconcileInputError,
    });
  }
}

function readInvoices(context: IExecuteFunctions, payments: INodeExecutionData[], format: AmountFormat): OpenInvoice[] {
  const source = context.getNodeParameter('invoiceSource', 0) as InvoiceSource;
  let records: unknown[];
  if (source === 'input') {
    records = (context.getInputData(1) ?? []).map((item) => item.json);
  } else if (source === 'field') {
    const field = context.getNodeParameter('invoicesField', 0) as string;
    // The same list on every payment item (a common result of a Merge) counts once.
    const byId = new Map<unknown, unknown>();
    for (const item of payments) {
      const list = item.json[field];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw new NodeOperationError(context.getNode(), `The field "${field}" is not a list of invoices`);
      for (const invoice of list) byId.set((invoice as IDataObject)?.id ?? invoice, invoice);
    }
    records = [...byId.values()];
  } else {
    const value = context.getNodeParameter('invoicesJson', 0) as unknown;
    const parsed = typeof value === 'string' ? parseJsonList(context, value) : value;
    if (!Array.isArray(parsed)) throw new NodeOperationError(context.getNode(), 'Invoices (JSON) must be a list, e.g. [{"id": "in_1", ...}]');
    records = parsed;
  }
  try {
    return records.map((record, index) => invoiceFromRecord(record, format, index));
  } catch (error) {
    throw new NodeOperationError(context.getNode(), error instanceof ReconcileInputError ? error.message : (error as Error));
  }
}

function parseJsonList(context: IExecuteFunctions, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new NodeOperationError(context.getNode(), `Invoices (JSON) is not valid JSON: ${(error as Error).message}`);
  }
}

function readOptions(context: IExecuteFunctions): Partial<ReconcileOptions> {
  const more = context.getNodeParameter('options', 0, {}) as IDataObject;
  return {
    toleranceMinor: context.getNodeParameter('toleranceMinor', 0, 0) as number,
    toleranceBps: context.getNodeParameter('toleranceBps', 0, 0) as number,
    dateWindowDays: context.getNodeParameter('dateWindowDays', 0, 45) as number,
    seenPaymentIds: listParameter(context.getNodeParameter('seenPaymentIds', 0, '')),
    ...(more.metadataKeys !== undefined && { metadataKeys: listParameter(more.metadataKeys) }),
    ...(more.referencePrefixes !== undefined && { referencePrefixes: listParameter(more.referencePrefixes) }),
    ...(more.maxEditPercent !== undefined && { maxEditRatio: (more.maxEditPercent as number) / 100 }),
    ...(more.maxGroupCandidates !== undefined && { maxGroupCandidates: more.maxGroupCandidates as number }),
  };
}
