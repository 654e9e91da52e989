/** Matching payments to open invoices: see docs/benchmarks.md and the Reconcile Invoices node. */
export { reconcile, Reconciler } from './reconcile';
export { ReconcileInputError } from './invoice-index';
export { invoiceFromRecord, isPaymentEvent, paymentFromEvent, paymentFromItem, paymentFromRecord, type AmountFormat } from './inputs';
export * from './types';
