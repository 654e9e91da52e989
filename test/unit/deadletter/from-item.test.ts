import { deadLetterFromItem, DeadLetterInputError, findPaymentEvent, isErrorTriggerItem } from '../../../core/deadletter';
import executionFailure from '../../fixtures/n8n/error-trigger-execution.1.123.81.json';
import executionFailureV2 from '../../fixtures/n8n/error-trigger-execution.2.8.4.json';
import activationFailure from '../../fixtures/n8n/error-trigger-activation.1.123.81.json';
import { paymentEvent } from '../risk/events';

describe('dead letters from workflow items', () => {
  const event = paymentEvent({ id: 'evt_from_item', idempotencyKey: 'stripe:evt_from_item' });

  it.each([
    ['1.123.81', executionFailure, 'http://localhost:18778/workflow/PayFulfil0000001/executions/2'],
    ['2.8.4', executionFailureV2, 'http://localhost:18788/workflow/PayFulfil0000001/executions/1'],
  ])("reads where and why it failed from n8n %s's Error Trigger output", (_version, item, executionUrl) => {
    expect(isErrorTriggerItem(item)).toBe(true);
    const entry = deadLetterFromItem(item, { event, replayUrl: 'http://127.0.0.1:5678/webhook/payments' });
    expect(entry).toEqual({
      idempotencyKey: 'stripe:evt_from_item',
      provider: 'stripe',
      kind: 'payment.succeeded',
      event,
      origin: {
        workflowId: 'PayFulfil0000001',
        workflowName: 'Payments: fulfil order',
        node: 'Create shipment',
        executionId: executionUrl.split('/').pop(),
        executionUrl,
        replayUrl: 'http://127.0.0.1:5678/webhook/payments',
      },
      error: { message: 'The service refused the connection - perhaps it is offline', code: 'ECONNREFUSED' },
    });
  });

  it('reads a failure that happened before any execution existed', () => {
    expect(isErrorTriggerItem(activationFailure)).toBe(true);
    const entry = deadLetterFromItem(activationFailure, { event });
    expect(entry.origin).toEqual({ workflowId: 'PayDeadLetter001', workflowName: 'Payments: dead letters' });
    expect(entry.error.message).toBe('The workflow failed without an error message');
  });

  it('finds the event inside execution data merged into the item', () => {
    const item = { ...executionFailure, data: { resultData: { runData: { 'Payment received': [{ data: { main: [[{ json: event }]] } }] } } } };
    expect(deadLetterFromItem(item).event).toEqual(event);
  });

  it('takes any item that carries an event, with its error', () => {
    expect(deadLetterFromItem({ ...event, error: 'CRM rejected the contact' })).toMatchObject({ event: expect.objectContaining({ id: 'evt_from_item' }), error: { message: 'CRM rejected the contact' }, origin: {} });
    expect(deadLetterFromItem({ note: 'x' }, { event: JSON.stringify(event), errorMessage: 'by hand' }).error.message).toBe('by hand');
  });

  it('names what is missing when there is no event', () => {
    expect(() => deadLetterFromItem(executionFailure)).toThrow(DeadLetterInputError);
    expect(() => deadLetterFromItem(executionFailure)).toThrow("Add n8n's 'Get Execution'");
    expect(() => deadLetterFromItem({}, { event: { id: 'x' } })).toThrow('The Event field is not a payment event: provider');
  });

  it("does not mistake an event's raw payload for an event", () => {
    expect(findPaymentEvent({ wrapper: { raw: event } })).toBeUndefined();
  });
});

describe("dead letters from an execution fetched with n8n's Get Execution", () => {
  it('reads the workflow, failed node and error from the execution', () => {
    const event = paymentEvent({ id: 'evt_exec', idempotencyKey: 'stripe:evt_exec' });
    // The shape of n8n's public API execution with includeData, as its "Get Execution" node outputs it.
    const execution = {
      id: '2',
      finished: false,
      mode: 'webhook',
      status: 'error',
      workflowId: 'PayFulfil0000001',
      data: {
        resultData: {
          runData: { 'Payment received': [{ data: { main: [[{ json: event }]] } }] },
          lastNodeExecuted: 'Create shipment',
          error: executionFailure.execution.error,
        },
      },
    };
    expect(deadLetterFromItem(execution)).toMatchObject({
      event,
      origin: { workflowId: 'PayFulfil0000001', executionId: '2', node: 'Create shipment' },
      error: { message: 'The service refused the connection - perhaps it is offline', code: 'ECONNREFUSED' },
    });
  });
});
