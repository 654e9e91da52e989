/**
 * The next step after a declined payment: retry (and when), ask the customer, stop, or send
 * to review. Pure: the same input and `now` always give the same decision.
 */
import { classify, ruleId, type Classification } from './classify';
import { intoLocalWindow } from './local-time';
import { ASK_MESSAGES } from './messages';
import type { AskReason, DeclineReason, RecoveryDecision, RecoveryInput, RecoveryPolicy, RuleHit } from './types';
import { DEFAULT_POLICY } from './types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function isAskReason(reason: DeclineReason): reason is AskReason {
  return Object.prototype.hasOwnProperty.call(ASK_MESSAGES, reason);
}

/** The declines that count for this card: the earlier ones plus this one, oldest first. */
function declinesOfCard(input: RecoveryInput): number[] {
  const sameCard = input.attempts.filter((attempt) =>
    input.cardFingerprint === undefined || attempt.cardFingerprint === undefined || attempt.cardFingerprint === input.cardFingerprint);
  // The failure being decided on may already be in the list; count it once.
  const earlier = sameCard.map((attempt) => attempt.at).filter((at) => at !== input.failedAt);
  return [...earlier, input.failedAt].sort((a, b) => a - b);
}

function trail(classification: Classification): RuleHit[] {
  const hits = classification.hits.map((hit) => ({ rule: ruleId(hit), detail: `${hit.description} (${hit.category})` }));
  if (hits.length > 0) return hits;
  return [{ rule: classification.rule, detail: 'no table knows these codes: treated as a generic soft decline' }];
}

type RetryPlan = { at: number; retryNumber: number; rules: RuleHit[] } | { exhaustedBy: string; why: string; rules: RuleHit[] };

/** When the next attempt on this card may run: the schedule, then the issuer's and the networks' limits, then the customer's daytime. */
function planRetry(input: RecoveryInput, policy: RecoveryPolicy, classification: Classification): RetryPlan {
  const rules: RuleHit[] = [];
  const declines = declinesOfCard(input);
  const retryNumber = declines.length; // the original attempt plus (retryNumber - 1) retries so far
  const transient = classification.category === 'transient';
  const delays = [
    ...(transient ? policy.transientRetryMinutes.map((minutes) => minutes * 60_000) : []),
    ...policy.softRetryHours.map((hours) => hours * HOUR),
  ];
  if (retryNumber > delays.length) {
    return { exhaustedBy: 'policy.schedule_exhausted', why: `All ${delays.length} scheduled retries have been used.`, rules };
  }
  const scheduleRule = transient && retryNumber <= policy.transientRetryMinutes.length ? 'policy.transient_schedule' : 'policy.soft_schedule';
  let at = Math.max(input.failedAt + delays[retryNumber - 1], input.now);
  rules.push({ rule: scheduleRule, detail: `retry ${retryNumber} waits ${delays[retryNumber - 1] / 60_000} minutes` });

  if (classification.retryAfterHours !== undefined && at < input.failedAt + classification.retryAfterHours * HOUR) {
    at = input.failedAt + classification.retryAfterHours * HOUR;
    rules.push({ rule: 'mastercard.retry_after', detail: `the issuer asked to wait ${classification.retryAfterHours} hours` });
  }

  const recent = declines.slice().reverse();
  if (recent.length >= policy.maxDeclinesIn24Hours) {
    const earliestAllowed = recent[policy.maxDeclinesIn24Hours - 1] + DAY;
    if (at < earliestAllowed) {
      at = earliestAllowed;
      rules.push({ rule: 'policy.max_declines_24_hours', detail: `at most ${policy.maxDeclinesIn24Hours} declines of one card in 24 hours` });
    }
  }

  if (input.timeZone) {
    const { startHour, endHour } = policy.localRetryWindow;
    const local = intoLocalWindow(at, input.timeZone, { startHour, endHour });
    if (local !== at) {
      at = local;
      rules.push({ rule: 'policy.local_retry_window', detail: `moved to ${startHour}:00 in ${input.timeZone}` });
    }
  }

  // Visa: no more than 15 reattempts in 30 days for categories 2-4 (the first attempt is not a reattempt).
  const retriesInWindow = declines.slice(1).filter((time) => time > at - 30 * DAY).length;
  if (retriesInWindow + 1 > policy.maxRetriesIn30Days) {
    return {
      exhaustedBy: 'policy.max_retries_30_days',
      why: `Retry ${retriesInWindow + 1} within 30 days would exceed the limit of ${policy.maxRetriesIn30Days} for this card.`,
      rules,
    };
  }
  return { at, retryNumber, rules };
}

export function decideRecovery(input: RecoveryInput, overrides: Partial<RecoveryPolicy> = {}): RecoveryDecision {
  const policy: RecoveryPolicy = { ...DEFAULT_POLICY, ...overrides };
  const classification = classify(input.signals);
  const rules = trail(classification);
  const { category, reason, rule } = classification;
  const base = { category, reason, rule, rules, ...(classification.visaCategory !== undefined && { visaCategory: classification.visaCategory }) };

  const ask = (why: AskReason, decidedBy: string, explanation: string): RecoveryDecision =>
    ({ ...base, action: 'ask_customer', reason: why, rule: decidedBy, explanation, suggestedMessage: ASK_MESSAGES[why] });

  switch (category) {
    case 'fraud':
      return { ...base, action: 'review', explanation: `Possible fraud (${rule}): a person should review it before anyone contacts the customer or retries.` };
    case 'hard':
      return { ...base, action: 'stop', explanation: `The issuer will not approve this card again (${rule}); retrying would only add fees.` };
    case 'needs_customer_action': {
      // The customer is asked to act before the next attempt: it runs on the schedule, with whatever they have updated by then.
      const plan = planRetry(input, policy, classification);
      const decision = ask(isAskReason(reason) ? reason : 'update_payment_method', rule, `Retrying cannot succeed until the customer acts (${rule}).`);
      if ('exhaustedBy' in plan) return decision;
      rules.push(...plan.rules);
      return { ...decision, nextAttemptAt: new Date(plan.at).toISOString(), retryNumber: plan.retryNumber };
    }
    case 'soft':
    case 'transient':
      break;
  }

  const plan = planRetry(input, policy, classification);
  rules.push(...plan.rules);
  if ('exhaustedBy' in plan) {
    rules.push({ rule: plan.exhaustedBy, detail: plan.why });
    return policy.whenExhausted === 'stop'
      ? { ...base, action: 'stop', reason: 'retries_exhausted', rule: plan.exhaustedBy, explanation: plan.why }
      : ask('update_payment_method', plan.exhaustedBy, plan.why);
  }
  const at = new Date(plan.at).toISOString();
  return {
    ...base,
    action: 'retry',
    nextAttemptAt: at,
    retryNumber: plan.retryNumber,
    explanation: `${category === 'transient' ? 'A temporary failure' : 'The issuer may approve later'} (${rule}); retry ${plan.retryNumber} at ${at}.`,
  };
}
