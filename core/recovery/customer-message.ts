/**
 * What a language model is told when it drafts the message to a customer whose payment needs
 * their action, and the message sent when no model drafts one. Only facts chosen here reach
 * the prompt (never the gateway's payload), and the whole prompt is masked on the way out.
 */
import { formatMoney, isKnownCurrency, type MoneyAmount } from '../money';
import { maskSensitive } from './mask';
import { ASK_GUIDANCE, ASK_MESSAGES } from './messages';
import type { AskReason, RecoveryDecision } from './types';

export interface CustomerMessageInput {
  /** An Ask Customer decision of decideRecovery. */
  decision: RecoveryDecision;
  /** The amount due, in integer minor units. */
  amount?: MoneyAmount;
  /** The gateway's own words for the decline (Stripe's `message`, Adyen's refusal reason), masked like the rest. */
  gatewayMessage?: string;
  /** IANA time zone the retry date is given in; UTC when unknown. */
  timeZone?: string;
  locale?: string;
}

export interface CustomerMessageDraft {
  /** The system message: how to write. */
  instructions: string;
  /** The user message: the masked facts to write from. */
  prompt: string;
  /** The message to send when no model drafts one. */
  fallback: string;
  /** The amount as people read it, e.g. `€123.45`; absent without an amount in a known currency. */
  amountText?: string;
  /** The date of the next attempt in the customer's time zone, e.g. `Wednesday, March 11, 2026`. */
  nextAttemptDate?: string;
}

const INSTRUCTIONS = [
  'You write the body of a short email from a company to one of its customers whose payment did not go through.',
  'Write two to four friendly, plain sentences: what happened, what the customer should do, and when the payment will be tried again.',
  'Use only the facts given. Do not invent amounts, dates, links or reasons, and do not blame the customer.',
  'No subject line, no greeting and no signature: they are added around your text.',
  'Never ask for a card number, security code or password.',
].join(' ');

function isAskReason(reason: string): reason is AskReason {
  return Object.prototype.hasOwnProperty.call(ASK_GUIDANCE, reason);
}

function dateText(iso: string, { timeZone, locale }: Pick<CustomerMessageInput, 'timeZone' | 'locale'>): string {
  return new Intl.DateTimeFormat(locale ?? 'en-US', { dateStyle: 'full', timeZone: timeZone || 'UTC' }).format(new Date(iso));
}

export function customerMessageDraft(input: CustomerMessageInput): CustomerMessageDraft {
  const { decision } = input;
  const reason: AskReason = isAskReason(decision.reason) ? decision.reason : 'update_payment_method';
  const guidance = ASK_GUIDANCE[reason];
  const amountText = input.amount && isKnownCurrency(input.amount.currency) ? formatMoney(input.amount, input.locale) : undefined;
  const nextAttemptDate = decision.nextAttemptAt ? dateText(decision.nextAttemptAt, input) : undefined;
  const retrySentence = nextAttemptDate ? `We will try the payment again on ${nextAttemptDate}.` : undefined;
  const facts = [
    `- What happened: ${guidance.meaning}.`,
    `- What the customer should do: ${guidance.action}.`,
    amountText && `- Amount due: ${amountText}`,
    `- Next attempt: ${nextAttemptDate ? `the payment will be tried again on ${nextAttemptDate}` : 'once the customer has acted'}.`,
    input.gatewayMessage && `- The bank's message: ${input.gatewayMessage}`,
  ].filter(Boolean);
  return {
    instructions: INSTRUCTIONS,
    prompt: maskSensitive(['Write the email body from these facts.', ...facts].join('\n')),
    fallback: [ASK_MESSAGES[reason], retrySentence].filter(Boolean).join(' '),
    ...(amountText !== undefined && { amountText }),
    ...(nextAttemptDate !== undefined && { nextAttemptDate }),
  };
}
