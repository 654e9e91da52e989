import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import {
  DeadLetterInputError,
  deadLetterFromItem,
  readDeadLetterFilter,
  type DeadLetterFilter,
  type DeadLetterRecord,
  type ReplayOutcome,
} from '../../core/deadletter';
import type { Backend } from './backend';
import { eventOfFailedExecution } from './n8n-api';
import type { Operation } from './description';

/** The item an operation handles and the backend (store, replayer) it works against. */
interface HandlerInput {
  backend: Backend;
  item: INodeExecutionData;
  index: number;
}

type Handler = (context: IExecuteFunctions, input: HandlerInput) => Promise<IDataObject[]>;

const asJson = (value: DeadLetterRecord | ReplayOutcome) => value as unknown as IDataObject;
const text = (context: IExecuteFunctions, name: string, index: number) => String(context.getNodeParameter(name, index, '') ?? '').trim();

/** Why an item fails: its index, the message and, where it helps, a description of what to do. */
interface Failure {
  index: number;
  message: string;
  description?: string;
}

function fail(context: IExecuteFunctions, { index, message, description }: Failure): never {
  throw new NodeOperationError(context.getNode(), message, { itemIndex: index, description });
}

/** The record looked up by `id` for item `index`, or a failure saying there is none. */
async function existing(context: IExecuteFunctions, record: Promise<DeadLetterRecord | null>, { id, index }: { id: string; index: number }) {
  return (await record) ?? fail(context, { index, message: `No dead letter with ID "${id}"`, description: 'It may have been purged, or it lives in another store.' });
}

/** The form's filters as the store's filter, read as the runtime's admin API reads its own. */
function readFilter(context: IExecuteFunctions, index: number): DeadLetterFilter {
  try {
    return readDeadLetterFilter(context.getNodeParameter('filters', index, {}) as IDataObject);
  } catch (error) {
    return fail(context, { index, message: `Filters: ${(error as Error).message}` });
  }
}

function replayTarget(context: IExecuteFunctions, index: number) {
  const url = context.getNodeParameter('sendTo', index, 'original') === 'url' ? text(context, 'url', index) : undefined;
  const signingSecret = text(context, 'signingSecret', index) || undefined;
  return { ...(url ? { url } : {}), ...(signingSecret ? { signingSecret } : {}) };
}

export const operations: Record<Operation, Handler> = {
  async add(context, { backend: { store }, item, index }) {
    const event =
      context.getNodeParameter('eventSource', index, 'item') === 'execution'
        ? await eventOfFailedExecution(context, item.json, index)
        : (context.getNodeParameter('event', index, '') as unknown);
    try {
      const entry = deadLetterFromItem(item.json, {
        event: event === '' || event === null ? undefined : event,
        replayUrl: text(context, 'replayUrl', index) || undefined,
        errorMessage: text(context, 'errorMessage', index) || undefined,
      });
      return [asJson(await store.add(entry))];
    } catch (error) {
      // Input problems say what is missing; store failures keep their own message.
      throw new NodeOperationError(context.getNode(), error as Error, {
        itemIndex: index,
        ...(error instanceof DeadLetterInputError ? { description: 'See the Event field’s help for where the event can come from.' } : {}),
      });
    }
  },

  async list(context, { backend: { store }, index }) {
    const limit = context.getNodeParameter('limit', index, 50) as number;
    return (await store.list({ ...readFilter(context, index), limit })).map(asJson);
  },

  async get(context, { backend: { store }, index }) {
    const id = text(context, 'recordId', index);
    return [asJson(await existing(context, store.get(id), { id, index }))];
  },

  async resolve(context, { backend: { store }, index }) {
    const id = text(context, 'recordId', index);
    return [asJson(await existing(context, store.setStatus(id, 'resolved', text(context, 'note', index) || undefined), { id, index }))];
  },

  async discard(context, { backend: { store }, index }) {
    const id = text(context, 'recordId', index);
    return [asJson(await existing(context, store.setStatus(id, 'discarded', text(context, 'note', index) || undefined), { id, index }))];
  },

  async replay(context, { backend: { replayer }, index }) {
    const target = replayTarget(context, index);
    if (context.getNodeParameter('replayWhich', index, 'one') === 'one') {
      const outcome = await replayer.replay(text(context, 'recordId', index), target);
      if (!outcome.ok) fail(context, { index, message: `The replay did not go through: ${outcome.error}` });
      return [asJson(outcome)];
    }
    const dryRun = context.getNodeParameter('dryRun', index, true) as boolean;
    const result = await replayer.replayMatching(readFilter(context, index), { ...target, dryRun });
    const replayed = result.outcomes.filter((outcome) => outcome.ok).length;
    return [
      {
        matched: result.matched,
        dryRun,
        replayed,
        failed: result.outcomes.length - replayed,
        outcomes: result.outcomes.map(asJson),
      },
    ];
  },

  async purge(context, { backend: { store }, index }) {
    const before = new Date(String(context.getNodeParameter('before', index))).toISOString();
    return [{ purged: await store.purge(before), before }];
  },
};
