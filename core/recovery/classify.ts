/**
 * From a decline's codes to one category. Every code the gateway and the network sent is read
 * with its own table; the most severe category wins (fraud, hard, needs customer action, soft,
 * transient), so an issuer's "do not try again" is never outvoted by a generic decline.
 */
import { lookupCode } from './codes';
import type { CodeRule, CodeSource, DeclineCategory, DeclineReason, DeclineSignals } from './types';

export interface Classification {
  category: DeclineCategory;
  reason: DeclineReason;
  /** The rule that decided the category, `source:code`. */
  rule: string;
  /** Every code that was recognised, in reading order. */
  hits: CodeRule[];
  /** The longest wait a Mastercard advice code asks for, in hours. */
  retryAfterHours?: number;
  visaCategory?: 1 | 2 | 3 | 4;
}

const SEVERITY: readonly DeclineCategory[] = ['fraud', 'hard', 'needs_customer_action', 'soft', 'transient'];

/** The gateway tables, by provider id, with the signal fields each gateway fills. */
const GATEWAY_SOURCES: Record<string, Array<[CodeSource, Array<keyof DeclineSignals>]>> = {
  stripe: [['stripe.decline_code', ['declineCode', 'code']], ['stripe.advice_code', ['adviceCode']]],
  adyen: [['adyen.refusal_reason', ['code', 'declineCode', 'message']]],
  paypal: [['paypal.processor_response', ['code', 'declineCode']]],
  braintree: [['braintree.processor_response', ['code', 'declineCode', 'message']]],
  square: [['square.error_code', ['code', 'declineCode']]],
};

/**
 * The two-character network code at the start of a raw response ("51 : Insufficient funds",
 * "5" -> "05"); gateways pass it in different shapes.
 */
export function networkCode(value: string | undefined): string | undefined {
  const match = value?.trim().toUpperCase().match(/^([0-9A-Z]{1,2})(?![0-9A-Z])/);
  if (!match) return undefined;
  return match[1].padStart(2, '0');
}

export const ruleId = (rule: CodeRule): string => `${rule.source}:${rule.code}`;

export function classify(signals: DeclineSignals): Classification {
  const hits: CodeRule[] = [];
  const add = (rule: CodeRule | undefined): void => {
    if (rule && !hits.includes(rule)) hits.push(rule);
  };
  for (const [source, fields] of GATEWAY_SOURCES[signals.provider?.toLowerCase() ?? ''] ?? []) {
    for (const name of fields) add(lookupCode(source, signals[name]));
  }
  const network = signals.network?.toLowerCase();
  const mac = networkCode(signals.merchantAdviceCode);
  if (mac && (network === undefined || network === 'mastercard')) add(lookupCode('mastercard.merchant_advice_code', mac));
  const raw = networkCode(signals.networkDeclineCode);
  if (raw && (network === undefined || network === 'visa')) {
    // Visa: every decline code not in categories 1-3 is category 4 (retry allowed, within the caps).
    add(lookupCode('visa.response_code', raw) ?? {
      source: 'visa.response_code', code: raw, category: 'soft', reason: 'generic_decline', visaCategory: 4,
      description: 'Any other decline code (Visa category 4)',
    });
  }

  const retryAfter = Math.max(0, ...hits.map((hit) => hit.retryAfterHours ?? 0));
  const visaCategory = hits.find((hit) => hit.visaCategory !== undefined)?.visaCategory;
  const extras = { ...(retryAfter > 0 && { retryAfterHours: retryAfter }), ...(visaCategory !== undefined && { visaCategory }) };
  for (const category of SEVERITY) {
    const decisive = hits.find((hit) => hit.category === category);
    if (decisive) return { category, reason: decisive.reason, rule: ruleId(decisive), hits, ...extras };
  }
  // Nothing recognised: treat as a generic soft decline, so the retry caps still protect the card.
  return { category: 'soft', reason: 'generic_decline', rule: 'default.unrecognised_code', hits, ...extras };
}


