import { DEAD_LETTER_STATUSES } from './records';
import type { DeadLetterFilter, DeadLetterStatus } from './types';

/**
 * A filter from loose fields: the admin API's query string or JSON body, the CLI's options,
 * the Dead Letter node's form. `status` is a list or comma-separated text. `from` and `to`
 * become ISO 8601 instants, so a store in another time zone (the runtime behind the node)
 * reads the instant meant here: n8n's date fields give local times without a zone.
 * Wrong input is a RangeError naming the field; empty fields mean "any".
 */
export function readDeadLetterFilter(fields: Record<string, unknown>): DeadLetterFilter {
  const text = (name: string) => (typeof fields[name] === 'string' && fields[name] !== '' ? (fields[name] as string) : undefined);
  const filter: DeadLetterFilter = {};
  const status = fields.status;
  const statuses = Array.isArray(status) ? status : typeof status === 'string' && status ? status.split(',') : [];
  const unknown = statuses.filter((value) => !DEAD_LETTER_STATUSES.includes(value as DeadLetterStatus));
  if (unknown.length > 0) throw new RangeError(`status must be one of ${DEAD_LETTER_STATUSES.join(', ')}`);
  if (statuses.length > 0) filter.status = statuses as DeadLetterStatus[];
  for (const name of ['provider', 'kind', 'errorContains'] as const) {
    const value = text(name);
    if (value !== undefined) filter[name] = value;
  }
  for (const name of ['from', 'to'] as const) {
    const value = text(name);
    if (value === undefined) continue;
    if (Number.isNaN(Date.parse(value))) throw new RangeError(`${name} must be an ISO 8601 date`);
    filter[name] = new Date(value).toISOString();
  }
  const limit = fields.limit;
  if (limit !== undefined && limit !== '') {
    const number = Number(limit);
    if (!Number.isInteger(number) || number < 1) throw new RangeError('limit must be a positive integer');
    filter.limit = number;
  }
  return filter;
}
