/**
 * Reading decline codes out of a canonical event. The normalized `failure` carries the
 * gateway's codes; the card network's own codes sit in the raw payload where gateways pass them.
 */
import type { PaymentEvent } from '../event';
import { pick, pickString } from '../providers/payload';
import type { DeclineSignals } from './types';

/** Adyen sends one notification item per webhook; its additionalData holds the raw network answer. */
function adyenAdditionalData(raw: unknown): unknown {
  return pick(raw, 'notificationItems', 0, 'NotificationRequestItem', 'additionalData') ?? pick(raw, 'additionalData');
}

/** Stripe puts network codes on the charge outcome or the PaymentIntent's last error. */
function stripeObject(raw: unknown): unknown {
  return pick(raw, 'data', 'object');
}

export function signalsFromEvent(event: PaymentEvent): DeclineSignals {
  const failure = event.failure ?? {};
  const raw = event.raw;
  const stripe = stripeObject(raw);
  const adyen = adyenAdditionalData(raw);
  const networkDeclineCode = pickString(stripe, 'last_payment_error', 'network_decline_code')
    ?? pickString(stripe, 'outcome', 'network_decline_code')
    ?? pickString(adyen, 'refusalReasonRaw');
  const merchantAdviceCode = pickString(stripe, 'last_payment_error', 'network_advice_code')
    ?? pickString(stripe, 'outcome', 'network_advice_code')
    ?? pickString(adyen, 'merchantAdviceCode')
    ?? pickString(raw, 'merchant_advice_code');
  const network = pickString(stripe, 'last_payment_error', 'payment_method', 'card', 'brand')
    ?? pickString(stripe, 'payment_method_details', 'card', 'brand')
    ?? pickString(raw, 'notificationItems', 0, 'NotificationRequestItem', 'paymentMethod');
  const signals: DeclineSignals = {
    provider: event.provider,
    code: failure.code,
    declineCode: failure.declineCode,
    adviceCode: failure.adviceCode,
    message: failure.message,
    networkDeclineCode,
    merchantAdviceCode,
    // Adyen names Mastercard `mc`.
    network: network?.toLowerCase() === 'mc' ? 'mastercard' : network?.toLowerCase(),
  };
  return Object.fromEntries(Object.entries(signals).filter(([, value]) => value !== undefined)) as DeclineSignals;
}
