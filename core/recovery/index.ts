/** Decline codes -> category -> next action and retry time. See docs/recovery.md. */
export { decideRecovery } from './decide';
export { classify, type Classification } from './classify';
export { ALL_CODES, lookupCode } from './codes';
export { ASK_GUIDANCE, ASK_MESSAGES } from './messages';
export { customerMessageDraft, type CustomerMessageDraft, type CustomerMessageInput } from './customer-message';
export { maskSensitive } from './mask';
export { signalsFromEvent } from './signals';
export { isValidTimeZone } from './local-time';
export * from './types';
export { RecoveryInputError, parseAttempts, recoveryInputFromItem, type ItemContext } from './inputs';
