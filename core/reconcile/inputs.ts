/**
 * Turning what a workflow carries into payments and invoices: canonical events (amounts already
 * in ISO minor units) or plain records, whose amounts are minor units or decimal strings.
 * Field names are accepted in camelCase and snake_case, so a Stripe invoice object or a row
 * from a spreadsheet works as it is.
 */
import type { MoneyAmount, PaymentEvent } from '../event';
import { MoneyError, exponent, parseDecimal } from '../money';
import { pick } from '../providers/payload';
import { ReconcileInputError } from './invoice-index';
import type { OpenInvoice, Payment } from './types';

/** How plain records give amounts: integer minor units (1050 = 10.50 USD) or decimals ("10.50"). */
export type AmountFormat = 'minor' | 'decimal';

type Fields = Record<string, unknown>;

function field(record: Fields, ...names: string[]): unknown {
  for (const name of names) if (record[name] !== undefined && record[name] !== null && record[name] !== '') return record[name];
  return undefined;
}

function text(record: Fields, ...names: string[]): string | undefined {
  const value = field(record, ...names);
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Epoch ms from ISO text, epoch ms or Unix seconds (Stripe); undefined when absent. */
export function parseDate(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e12 ? value : value * 1000;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new ReconcileInputError(`${what} "${String(value)}" is not a date (use ISO 8601, e.g. 2026-03-31)`);
}

/** How to read an amount: its currency, the records' amount format, and what it is (for errors). */
interface AmountReading {
  currency: string | undefined;
  format: AmountFormat;
  what: string;
}

function money(value: unknown, { currency, format, what }: AmountReading): MoneyAmount {
  if (!currency) throw new ReconcileInputError(`${what} has no currency`);
  try {
    if (format === 'decimal') return parseDecimal(String(value), currency);
    const minor = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
    if (typeof minor !== 'number' || !Number.isSafeInteger(minor)) {
      throw new MoneyError(`"${String(value)}" is not a whole number of minor units (choose "decimal" if amounts look like 10.50)`);
    }
    exponent(currency);
    return { minor, currency: currency.toUpperCase() };
  } catch (error) {
    if (error instanceof MoneyError) throw new ReconcileInputError(`${what}: ${error.message}`);
    throw error;
  }
}

function stringMetadata(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

export function isPaymentEvent(value: unknown): value is PaymentEvent {
  const record = value as Partial<PaymentEvent> | null;
  return !!record && typeof record === 'object' && typeof record.idempotencyKey === 'string' && typeof record.kind === 'string' && typeof record.provider === 'string';
}

/**
 * A canonical event as a payment. Its identity is the gateway's payment id where known, so an
 * `invoice.paid` and a `payment.succeeded` for the same charge count as one payment.
 */
export function paymentFromEvent(event: PaymentEvent): Payment {
  if (!event.amount) throw new ReconcileInputError(`event ${event.idempotencyKey} (${event.type}) carries no amount`);
  // Stripe keeps metadata on the event's object; other gateways' raw payloads may carry it at the top.
  const metadata = stringMetadata(pick(event.raw, 'data', 'object', 'metadata')) ?? stringMetadata(pick(event.raw, 'metadata'));
  return {
    id: event.paymentId ? `${event.provider}:${event.paymentId}` : event.idempotencyKey,
    amount: event.amount,
    ...(event.reference !== undefined && { reference: event.reference }),
    ...((event.customer?.id ?? event.customer?.email) !== undefined && { customerId: event.customer?.id ?? event.customer?.email }),
    date: parseDate(event.occurredAt, 'occurredAt'),
    ...(event.invoiceId !== undefined && { invoiceId: event.invoiceId }),
    ...(metadata !== undefined && { metadata }),
  };
}

/** A plain record (id, amount, currency, reference, customer, date, invoiceId, metadata) as a payment. */
export function paymentFromRecord(record: Fields, format: AmountFormat, position: number): Payment {
  const id = text(record, 'id', 'paymentId', 'payment_id', 'transactionId', 'transaction_id');
  if (!id) throw new ReconcileInputError(`payment ${position + 1} has no id (needed to recognise duplicates)`);
  const amount = money(field(record, 'amount'), { currency: text(record, 'currency'), format, what: `payment ${id}` });
  const reference = text(record, 'reference', 'description', 'memo');
  const customerId = text(record, 'customerId', 'customer_id', 'customer');
  const invoiceId = text(record, 'invoiceId', 'invoice_id', 'invoice');
  const metadata = stringMetadata(record.metadata);
  return {
    id,
    amount,
    ...(reference !== undefined && { reference }),
    ...(customerId !== undefined && { customerId }),
    date: parseDate(field(record, 'date', 'paidAt', 'paid_at', 'created'), `payment ${id} date`),
    ...(invoiceId !== undefined && { invoiceId }),
    ...(metadata !== undefined && { metadata }),
  };
}

export function paymentFromItem(value: unknown, format: AmountFormat, position: number): Payment {
  if (isPaymentEvent(value)) return paymentFromEvent(value);
  if (value === null || typeof value !== 'object') throw new ReconcileInputError(`payment ${position + 1} is not an object`);
  return paymentFromRecord(value as Fields, format, position);
}

/** A plain record (id, number, customer, currency, amountDue, amountPaid, dueDate) as an open invoice. */
export function invoiceFromRecord(value: unknown, format: AmountFormat, position: number): OpenInvoice {
  if (value === null || typeof value !== 'object') throw new ReconcileInputError(`invoice ${position + 1} is not an object`);
  const record = value as Fields;
  const id = text(record, 'id', 'invoiceId', 'invoice_id');
  if (!id) throw new ReconcileInputError(`invoice ${position + 1} has no id`);
  const currency = text(record, 'currency');
  const number = text(record, 'number', 'invoiceNumber', 'invoice_number');
  const customerId = text(record, 'customerId', 'customer_id', 'customer');
  const dueDate = parseDate(field(record, 'dueDate', 'due_date'), `invoice ${id} due date`);
  const amountDue = money(field(record, 'amountDue', 'amount_due', 'total', 'amount'), { currency, format, what: `invoice ${id} amount due` });
  const paidValue = field(record, 'amountPaid', 'amount_paid');
  const amountPaid = paidValue === undefined ? { minor: 0, currency: amountDue.currency } : money(paidValue, { currency, format, what: `invoice ${id} amount paid` });
  return {
    id,
    ...(number !== undefined && { number }),
    ...(customerId !== undefined && { customerId }),
    amountDue,
    amountPaid,
    ...(dueDate !== undefined && { dueDate }),
  };
}
