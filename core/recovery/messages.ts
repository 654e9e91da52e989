/** Suggested customer messages, one per reason to ask: plain words, no codes, no blame. */
import type { AskReason } from './types';

export const ASK_MESSAGES: Readonly<Record<AskReason, string>> = {
  expired_card: 'The card we have on file for you has expired. Please add your new card so your payment can go through.',
  authentication_required: 'Your bank needs you to confirm this payment. Please open the payment link and complete the verification step.',
  incorrect_card_details: 'Your bank could not confirm some of your card details (number, expiry date or security code). Please check them and update your card.',
  incorrect_address: 'The billing address or postal code did not match what your bank has on file. Please check it and update your payment details.',
  card_not_supported: 'This card cannot be used for this payment. Please add a different card or payment method.',
  contact_bank: 'Your bank declined the payment. Please contact your bank to allow it, or use a different card.',
  update_payment_method: 'We could not collect your payment with the card on file. Please update your payment method to keep your account active.',
};

/** What each reason means and what the customer can do about it: the facts a drafted message is written from. */
export const ASK_GUIDANCE: Readonly<Record<AskReason, { meaning: string; action: string }>> = {
  expired_card: { meaning: 'the card on file has expired', action: 'add a new card or another payment method' },
  authentication_required: { meaning: 'the bank asks the customer to confirm the payment (3D Secure)', action: 'open the payment link and complete the verification step' },
  incorrect_card_details: {
    meaning: 'the bank could not confirm the card details (number, expiry date or security code)',
    action: 'check the card details and update them',
  },
  incorrect_address: { meaning: 'the billing address or postal code did not match the bank\'s records', action: 'check the billing address and update it' },
  card_not_supported: { meaning: 'this card cannot be used for this payment', action: 'add a different card or payment method' },
  contact_bank: { meaning: 'the bank declined the payment without saying why', action: 'contact the bank to allow the payment, or use a different card' },
  update_payment_method: { meaning: 'the payment could not be collected with the card on file', action: 'update the payment method' },
};
