import type { INodeProperties } from 'n8n-workflow';
import type { Outcome } from '../../core/reconcile';

/** One output per outcome, in this order. */
export const OUTPUT_NAMES: Readonly<Record<Outcome, string>> = {
  matched: 'Matched',
  short_paid: 'Short Paid',
  overpaid: 'Overpaid',
  unmatched: 'Unmatched',
  duplicate: 'Duplicate',
  ambiguous: 'Ambiguous',
  currency_mismatch: 'Currency Mismatch',
};

export type InvoiceSource = 'input' | 'field' | 'json';

export const reconcileProperties: INodeProperties[] = [
  {
    displayName:
      'Connect payments to the first input (events from the Payment Webhook Trigger, or rows with ID, amount, currency, reference, customer, date). Each payment leaves on exactly one output.',
    name: 'notice',
    type: 'notice',
    default: '',
  },
  {
    displayName: 'Open Invoices From',
    name: 'invoiceSource',
    type: 'options',
    noDataExpression: true,
    options: [
      { name: 'Second Input', value: 'input', description: 'Connect the open invoices (one per item) to the "Invoices" input' },
      { name: 'A Field of the Payments', value: 'field', description: 'Each payment item carries a list of open invoices in a field' },
      { name: 'JSON List', value: 'json', description: 'Paste or build the list of open invoices as JSON' },
    ],
    default: 'input',
    description: 'Where the open invoices come from. Each needs an ID, currency and amount due; number, customer, amount already paid and due date help matching.',
  },
  {
    displayName: 'Invoices Field',
    name: 'invoicesField',
    type: 'string',
    default: 'invoices',
    displayOptions: { show: { invoiceSource: ['field'] } },
    description: 'Name of the field holding the list of open invoices; lists from all payment items are combined',
  },
  {
    displayName: 'Invoices (JSON)',
    name: 'invoicesJson',
    type: 'json',
    default: '[]',
    displayOptions: { show: { invoiceSource: ['json'] } },
    description: 'A JSON list of open invoices, one object each with the fields described under "Open Invoices From"',
  },
  {
    displayName: 'Amounts Are In',
    name: 'amountFormat',
    type: 'options',
    options: [
      { name: 'Decimals (10.50)', value: 'decimal', description: 'As people write them: 10.50 USD, 1500 JPY, 12.345 KWD' },
      { name: 'Minor Units (1050)', value: 'minor', description: 'Whole cents, pence, fils, as Stripe and most APIs send them' },
    ],
    default: 'decimal',
    description: 'How amounts are written in invoices and in payments that are not gateway events (gateway events are always read correctly)',
  },
  {
    displayName: 'Tolerance (Minor Units)',
    name: 'toleranceMinor',
    type: 'number',
    typeOptions: { minValue: 0 },
    default: 0,
    description: 'A payment this close to the amount due counts as paid in full, and the difference is reported as a write-off. 50 means 0.50 in USD or EUR.',
  },
  {
    displayName: 'Tolerance (Basis Points)',
    name: 'toleranceBps',
    type: 'number',
    typeOptions: { minValue: 0, maxValue: 10000 },
    default: 0,
    description: 'The same as a share of the amount due: 100 basis points = 1%. The larger of the two tolerances applies.',
  },
  {
    displayName: 'Date Window (Days)',
    name: 'dateWindowDays',
    type: 'number',
    typeOptions: { minValue: 0 },
    default: 45,
    description: 'When matching by amount and customer, the payment date must be within this many days of the invoice due date',
  },
  {
    displayName: 'Payments Already Handled',
    name: 'seenPaymentIds',
    type: 'string',
    default: '',
    description: 'Payment IDs handled in earlier runs (comma-separated, or an expression giving a list); these go to "Duplicate"',
    hint: 'Store each result\'s reconciliation.paymentId (for example in a Data Table) and feed the list back here',
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    description: 'Finer control over how references and metadata are matched',
    options: [
      {
        displayName: 'Metadata Keys',
        name: 'metadataKeys',
        type: 'string',
        default: 'invoice_id, invoiceId, invoice_number, invoiceNumber, invoice',
        description: 'Gateway metadata fields that name the invoice (by ID or number), comma-separated',
      },
      {
        displayName: 'Reference Prefixes',
        name: 'referencePrefixes',
        type: 'string',
        default: 'INVOICE, INV, NO, NR, REF',
        description: 'Prefixes ignored when comparing references with invoice numbers, so "inv 0042" finds INV-0042',
      },
      {
        displayName: 'Typo Allowance (%)',
        name: 'maxEditPercent',
        type: 'number',
        typeOptions: { minValue: 0, maxValue: 50 },
        default: 20,
        description: 'How different a reference may be from an invoice number and still match: 20% allows one typo in five characters',
      },
      {
        displayName: 'Max Invoices per Combined Payment',
        name: 'maxGroupCandidates',
        type: 'number',
        typeOptions: { minValue: 2, maxValue: 16 },
        default: 10,
        description: 'When one payment may cover several invoices of a customer, at most this many of their oldest invoices are tried',
      },
    ],
  },
];
