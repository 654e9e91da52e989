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
