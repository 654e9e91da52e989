import type { CodeRule, DeclineSignals } from '../../../core/recovery';

/** The decline signals in which a gateway or network sends this table row's code. */
export function signalsCarrying(rule: CodeRule): DeclineSignals {
  switch (rule.source) {
    case 'visa.response_code': return { networkDeclineCode: rule.code };
    case 'mastercard.merchant_advice_code': return { merchantAdviceCode: rule.code, network: 'mastercard' };
    case 'stripe.advice_code': return { provider: 'stripe', adviceCode: rule.code };
    default: return { provider: rule.source.split('.')[0], code: rule.code };
  }
}
