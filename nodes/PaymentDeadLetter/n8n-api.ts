import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';
import { RedirectRefusedError, fetchWithoutRedirects } from '../../core/credentialed-fetch';
import { findPaymentEvent } from '../../core/deadletter';
import type { PaymentEvent } from '../../core/event';

export const N8N_API_CREDENTIAL = 'paymentWebhooksN8nApi';

/**
 * The event of the execution an Error Trigger item names, fetched through n8n's public API
 * (`GET /executions/{id}?includeData=true`). n8n hands the error workflow no input data, so
 * this is how Add works straight after an Error Trigger.
 */
export async function eventOfFailedExecution(context: IExecuteFunctions, item: IDataObject, index: number): Promise<PaymentEvent> {
  const fail = (message: string, description?: string): never => {
    throw new NodeOperationError(context.getNode(), message, { itemIndex: index, description });
  };
  const execution = item.execution as IDataObject | undefined;
  const id = execution?.id;
  if (typeof id !== 'string' && typeof id !== 'number') {
    return fail('This item names no failed execution', 'Connect this node straight after an Error Trigger, or choose "This Item" under "Find the Event In".');
  }
  const credential = await context.getCredentials(N8N_API_CREDENTIAL);
  const base = String(credential.baseUrl ?? '').replace(/\/+$/, '');
  const response = await fetchWithoutRedirects(`${base}/executions/${encodeURIComponent(String(id))}?includeData=true`, {
    headers: { 'X-N8N-API-KEY': String(credential.apiKey ?? ''), accept: 'application/json' },
    signal: AbortSignal.timeout(30_000),
  }).catch((error: Error) =>
    error instanceof RedirectRefusedError
      ? fail(`The n8n API at ${base} ${error.message}`, 'Set the credential’s Base URL to the address n8n answers on itself (scheme, host and /api/v1 as n8n shows them).')
      : fail(`Could not reach the n8n API at ${base}: ${error.message}`),
  );
  if (response.status === 401 || response.status === 403) fail(`The n8n API refused the API key (HTTP ${response.status})`, 'The key needs the execution:read scope.');
  if (response.status === 404) fail(`n8n has no execution ${String(id)}`, 'It may have been deleted by execution pruning, or failed executions are not saved (EXECUTIONS_DATA_SAVE_ON_ERROR).');
  if (!response.ok) fail(`The n8n API answered HTTP ${response.status}`);
  const body = (await response.json()) as { data?: { resultData?: { runData?: unknown } } };
  return (
    findPaymentEvent(body.data?.resultData?.runData) ??
    fail(`Execution ${String(id)} holds no payment event`, 'Only workflows that start with the Payment Webhook Trigger (or receive a canonical event) can be dead-lettered this way.')
  );
}
