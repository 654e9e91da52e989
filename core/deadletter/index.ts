export * from './types';
export { DEAD_LETTER_STATUSES, dedupeKey, matchesFilter, newRecord, newestFirst } from './records';
export { readDeadLetterFilter } from './filter';
export { MemoryDeadLetterStore, type MemoryDeadLetterStoreOptions } from './memory';
export { RedisDeadLetterStore, DEFAULT_DEAD_LETTER_PREFIX, type RedisDeadLetterStoreOptions } from './redis';
export { deadLetterFromItem, findPaymentEvent, failureFromErrorTrigger, failureFromExecution, isErrorTriggerItem, DeadLetterInputError, type FromItemOptions } from './from-item';
export { HttpReplayer, replayRequest, type HttpReplayerOptions } from './replay';
export { AdminApiDeadLetterStore, AdminApiError, filterFields, type AdminApiOptions } from './admin-api';
