/**
 * Decline codes and their categories, from each gateway's and network's documentation:
 * Stripe "Decline codes" and advice codes, Adyen "Refusal reasons", PayPal processor response
 * codes (Orders v2 `processor_response.response_code`), Braintree "Processor responses"
 * (authorization declines), Square `ErrorCode` (payment errors), Visa's decline response code
 * categories (Visa Core Rules, excessive reattempts) and Mastercard Merchant Advice Codes.
 * docs/recovery.md prints this table; a test keeps the two in step.
 */
import type { CodeRule, CodeSource, DeclineCategory, DeclineReason } from './types';

type Row = [code: string, category: DeclineCategory, reason: DeclineReason, description: string, extra?: Partial<CodeRule>];

const T = 'transient';
const S = 'soft';
const C = 'needs_customer_action';
const H = 'hard';
const F = 'fraud';

function table(source: CodeSource, rows: Row[]): CodeRule[] {
  return rows.map(([code, category, reason, description, extra]) => ({ source, code, category, reason, description, ...extra }));
}

const named = (name: string): Partial<CodeRule> => ({ name });

export const STRIPE_DECLINE_CODES = table('stripe.decline_code', [
  ['authentication_required', C, 'authentication_required', 'The card requires authentication (3D Secure)'],
  ['approve_with_id', S, 'generic_decline', 'The payment cannot be authorised; a retry may succeed'],
  ['call_issuer', C, 'contact_bank', 'Declined for an unknown reason; the customer should call the issuer'],
  ['card_not_supported', C, 'card_not_supported', 'The card does not support this type of purchase'],
  ['card_velocity_exceeded', S, 'limit_exceeded', 'The balance, credit limit or transaction amount limit was exceeded'],
  ['currency_not_supported', C, 'card_not_supported', 'The card does not support the currency'],
  ['do_not_honor', S, 'generic_decline', 'Declined for an unknown reason'],
  ['do_not_try_again', H, 'do_not_try_again', 'Declined; the issuer asks not to try again'],
  ['duplicate_transaction', H, 'duplicate_transaction', 'An identical payment was submitted very recently'],
  ['expired_card', C, 'expired_card', 'The card has expired'],
  ['fraudulent', F, 'suspected_fraud', 'Stripe suspects the payment is fraudulent'],
  ['generic_decline', S, 'generic_decline', 'Declined for an unknown reason'],
  ['incorrect_number', C, 'incorrect_card_details', 'The card number is incorrect'],
  ['incorrect_cvc', C, 'incorrect_card_details', 'The CVC is incorrect'],
  ['incorrect_pin', C, 'incorrect_card_details', 'The PIN is incorrect'],
  ['incorrect_zip', C, 'incorrect_address', 'The postal code is incorrect'],
  ['insufficient_funds', S, 'insufficient_funds', 'The card has insufficient funds'],
  ['invalid_account', C, 'update_payment_method', 'The card, or the account it is connected to, is invalid'],
  ['invalid_amount', C, 'contact_bank', 'The amount is invalid or exceeds what the card allows'],
  ['invalid_cvc', C, 'incorrect_card_details', 'The CVC is invalid'],
  ['invalid_expiry_month', C, 'incorrect_card_details', 'The expiry month is invalid'],
  ['invalid_expiry_year', C, 'incorrect_card_details', 'The expiry year is invalid'],
  ['invalid_number', C, 'incorrect_card_details', 'The card number is invalid'],
  ['invalid_pin', C, 'incorrect_card_details', 'The PIN is invalid'],
  ['issuer_not_available', T, 'issuer_unavailable', 'The issuer could not be reached'],
  ['lost_card', H, 'lost_or_stolen', 'The card was reported lost'],
  ['merchant_blacklist', F, 'suspected_fraud', 'The card matches a value on the block list'],
  ['new_account_information_available', C, 'update_payment_method', 'The card or account has new details'],
  ['no_action_taken', S, 'generic_decline', 'Declined for an unknown reason'],
  ['not_permitted', H, 'issuer_will_never_approve', 'The payment is not permitted'],
  ['offline_pin_required', C, 'authentication_required', 'The card requires a PIN'],
  ['online_or_offline_pin_required', C, 'authentication_required', 'The card requires a PIN'],
  ['pickup_card', H, 'pickup_card', 'The card cannot be used (possibly reported lost or stolen)'],
  ['pin_try_exceeded', C, 'contact_bank', 'The allowed number of PIN tries was exceeded'],
  ['processing_error', T, 'processing_error', 'An error occurred while processing the card'],
  ['reenter_transaction', T, 'processing_error', 'The issuer could not process the payment'],
  ['restricted_card', H, 'restricted_card', 'The card cannot be used (possibly reported lost or stolen)'],
  ['revocation_of_all_authorizations', H, 'authorization_revoked', 'The cardholder revoked all authorisations'],
  ['revocation_of_authorization', H, 'authorization_revoked', 'The cardholder revoked this authorisation'],
  ['security_violation', C, 'contact_bank', 'Declined for a security reason; the customer should call the issuer'],
  ['service_not_allowed', C, 'contact_bank', 'Declined for an unknown reason'],
  ['stolen_card', H, 'lost_or_stolen', 'The card was reported stolen'],
  ['stop_payment_order', H, 'authorization_revoked', 'The cardholder ordered the payments stopped'],
  ['testmode_decline', H, 'test_card', 'A Stripe test card was used'],
  ['transaction_not_allowed', C, 'contact_bank', 'Declined for an unknown reason'],
  ['try_again_later', T, 'try_again_later', 'Declined for an unknown reason; try again later'],
  ['withdrawal_count_limit_exceeded', S, 'limit_exceeded', 'The balance or credit limit was exceeded'],
]);

export const STRIPE_ADVICE_CODES = table('stripe.advice_code', [
  ['confirm_card_data', C, 'incorrect_card_details', 'Ask the customer to confirm or update the card details'],
  ['do_not_try_again', H, 'do_not_try_again', 'Do not retry with this card'],
  ['try_again_later', S, 'try_again_later', 'Retry later'],
]);

export const ADYEN_REFUSAL_REASONS = table('adyen.refusal_reason', [
  ['2', S, 'generic_decline', 'The transaction was refused', named('Refused')],
  ['3', C, 'contact_bank', 'Referral: the issuer wants the cardholder to call', named('Referral')],
  ['4', T, 'processing_error', 'An error on the acquirer\'s end', named('Acquirer Error')],
  ['5', H, 'restricted_card', 'The card is blocked', named('Blocked Card')],
  ['6', C, 'expired_card', 'The card has expired', named('Expired Card')],
  ['7', C, 'contact_bank', 'An amount mismatch occurred', named('Invalid Amount')],
  ['8', C, 'incorrect_card_details', 'The card number is incorrect or invalid', named('Invalid Card Number')],
  ['9', T, 'issuer_unavailable', 'The shopper\'s bank could not be reached', named('Issuer Unavailable')],
  ['10', C, 'card_not_supported', 'The bank does not support this type of transaction', named('Not supported')],
  ['11', C, 'authentication_required', '3D Secure authentication failed or was not done', named('3D Not Authenticated')],
  ['12', S, 'insufficient_funds', 'Not enough balance on the card', named('Not enough balance')],
  ['14', F, 'suspected_fraud', 'Possible fraud (acquirer)', named('Acquirer Fraud')],
  ['15', H, 'cancelled', 'The transaction was cancelled', named('Cancelled')],
  ['16', H, 'cancelled', 'The shopper cancelled before completing it', named('Shopper Cancelled')],
  ['17', C, 'incorrect_card_details', 'The PIN is incorrect or invalid', named('Invalid Pin')],
  ['18', C, 'contact_bank', 'Incorrect PIN entered too often', named('Pin tries exceeded')],
  ['19', T, 'processing_error', 'The PIN could not be validated', named('Pin validation not possible')],
  ['20', F, 'suspected_fraud', 'Adyen\'s pre-authorisation risk checks scored it as fraud', named('FRAUD')],
  ['21', T, 'processing_error', 'The transaction was not submitted correctly', named('Not Submitted')],
  ['22', F, 'suspected_fraud', 'Adyen\'s risk checks scored it as fraud and cancelled it', named('FRAUD-CANCELLED')],
  ['23', H, 'issuer_will_never_approve', 'The issuer does not permit this transaction', named('Transaction Not Permitted')],
  ['24', C, 'incorrect_card_details', 'The CVC is wrong', named('CVC Declined')],
  ['25', H, 'restricted_card', 'The card is restricted', named('Restricted Card')],
  ['26', H, 'authorization_revoked', 'The cardholder revoked the recurring authorisation', named('Revocation Of Auth')],
  ['27', S, 'generic_decline', 'A generic decline by the issuer', named('Declined Non Generic')],
  ['28', S, 'limit_exceeded', 'The withdrawal amount limit was exceeded', named('Withdrawal amount exceeded')],
  ['29', S, 'limit_exceeded', 'The withdrawal count limit was exceeded', named('Withdrawal count exceeded')],
  ['31', F, 'suspected_fraud', 'The issuer suspects fraud', named('Issuer Suspected Fraud')],
  ['32', C, 'incorrect_address', 'The address did not match (AVS)', named('AVS Declined')],
  ['33', C, 'authentication_required', 'The card requires an online PIN', named('Card requires online pin')],
  ['34', C, 'card_not_supported', 'No checking account on the card', named('No checking account available on Card')],
  ['35', C, 'card_not_supported', 'No savings account on the card', named('No savings account available on Card')],
  ['36', C, 'authentication_required', 'A mobile PIN is required', named('Mobile pin required')],
  ['37', C, 'authentication_required', 'The contactless payment must be retried with the chip', named('Contactless fallback')],
  ['38', C, 'authentication_required', 'The issuer requires authentication', named('Authentication required')],
  ['39', T, 'processing_error', 'The 3D Secure result was not received from the directory server', named('RReq not received from DS')],
  ['42', C, 'authentication_required', '3D Secure authentication failed with an error', named('3DS Authentication Error')],
  ['43', C, 'authentication_required', 'An online PIN is required', named('Online PIN required')],
]);

export const PAYPAL_PROCESSOR_RESPONSES = table('paypal.processor_response', [
  ['00N7', C, 'incorrect_card_details', 'CVV2 failure; retry with the correct CVV', named('CVV2_FAILURE_POSSIBLE_RETRY_WITH_CVV')],
  ['0100', C, 'contact_bank', 'Referral: the buyer should contact the issuer', named('REFERRAL')],
  ['0390', H, 'invalid_account', 'The account was not found', named('ACCOUNT_NOT_FOUND')],
  ['0500', S, 'generic_decline', 'Do not honor', named('DO_NOT_HONOR')],
  ['0580', H, 'issuer_will_never_approve', 'Unauthorised transaction', named('UNAUTHORIZED_TRANSACTION')],
  ['1330', C, 'update_payment_method', 'The account is invalid', named('INVALID_ACCOUNT')],
  ['5100', S, 'generic_decline', 'Generic decline', named('GENERIC_DECLINE')],
  ['5110', C, 'incorrect_card_details', 'CVV2 check failed', named('CVV2_FAILURE')],
  ['5120', S, 'insufficient_funds', 'Insufficient funds', named('INSUFFICIENT_FUNDS')],
  ['5140', H, 'account_closed', 'The card is closed', named('CARD_CLOSED')],
  ['5170', C, 'incorrect_address', 'The address check (AVS) failed', named('AVS_FAILURE')],
  ['5180', H, 'restricted_card', 'The card is invalid or restricted', named('INVALID_OR_RESTRICTED_CARD')],
  ['5200', H, 'duplicate_transaction', 'Duplicate transaction', named('DUPLICATE_TRANSACTION')],
  ['5400', C, 'expired_card', 'The card has expired', named('EXPIRED_CARD')],
  ['5650', C, 'authentication_required', 'Declined: strong customer authentication required', named('DECLINED_SCA_REQUIRED')],
  ['5710', S, 'limit_exceeded', 'Too many attempts', named('TX_ATTEMPTS_EXCEED_LIMIT')],
  ['5910', C, 'contact_bank', 'The issuer is not available (not retriable)', named('ISSUER_NOT_AVAILABLE_NOT_RETRIABLE')],
  ['5920', T, 'issuer_unavailable', 'The issuer is not available (retriable)', named('ISSUER_NOT_AVAILABLE_RETRIABLE')],
  ['9100', T, 'try_again_later', 'Declined, please retry', named('DECLINED_PLEASE_RETRY')],
  ['9500', F, 'suspected_fraud', 'Suspected fraud', named('SUSPECTED_FRAUD')],
  ['9520', H, 'lost_or_stolen', 'The card was reported lost or stolen', named('LOST_OR_STOLEN')],
  ['PPRN', H, 'do_not_try_again', 'Reattempt not permitted', named('REATTEMPT_NOT_PERMITTED')],
]);

export const BRAINTREE_PROCESSOR_RESPONSES = table('braintree.processor_response', [
  ['2000', S, 'generic_decline', 'Do Not Honor', named('Do Not Honor')],
  ['2001', S, 'insufficient_funds', 'Insufficient Funds', named('Insufficient Funds')],
  ['2002', S, 'limit_exceeded', 'Limit Exceeded', named('Limit Exceeded')],
  ['2003', S, 'limit_exceeded', 'Cardholder\'s Activity Limit Exceeded', named('Cardholder\'s Activity Limit Exceeded')],
  ['2004', C, 'expired_card', 'Expired Card', named('Expired Card')],
  ['2005', C, 'incorrect_card_details', 'Invalid Credit Card Number', named('Invalid Credit Card Number')],
  ['2006', C, 'incorrect_card_details', 'Invalid Expiration Date', named('Invalid Expiration Date')],
  ['2007', H, 'invalid_account', 'No Account', named('No Account')],
  ['2010', C, 'incorrect_card_details', 'Card Issuer Declined CVV', named('Card Issuer Declined CVV')],
  ['2012', H, 'lost_or_stolen', 'Processor Declined - Possible Lost Card', named('Processor Declined - Possible Lost Card')],
  ['2013', H, 'lost_or_stolen', 'Processor Declined - Possible Stolen Card', named('Processor Declined - Possible Stolen Card')],
  ['2014', F, 'suspected_fraud', 'Processor Declined - Fraud Suspected', named('Processor Declined - Fraud Suspected')],
  ['2015', C, 'contact_bank', 'Transaction Not Allowed', named('Transaction Not Allowed')],
  ['2016', H, 'duplicate_transaction', 'Duplicate Transaction', named('Duplicate Transaction')],
  ['2017', H, 'authorization_revoked', 'Cardholder Stopped Billing', named('Cardholder Stopped Billing')],
  ['2018', H, 'authorization_revoked', 'Cardholder Stopped All Billing', named('Cardholder Stopped All Billing')],
  ['2022', C, 'update_payment_method', 'Declined - Updated Cardholder Available', named('Declined - Updated Cardholder Available')],
  ['2038', S, 'generic_decline', 'Processor Declined', named('Processor Declined')],
  ['2044', C, 'contact_bank', 'Declined - Call Issuer', named('Declined - Call Issuer')],
  ['2046', S, 'generic_decline', 'Declined', named('Declined')],
  ['2047', H, 'pickup_card', 'Call Issuer. Pick Up Card', named('Call Issuer. Pick Up Card')],
  ['2053', H, 'lost_or_stolen', 'Card reported as lost or stolen', named('Card reported as lost or stolen')],
  ['2057', H, 'restricted_card', 'Issuer or Cardholder has put a restriction on the card', named('Issuer or Cardholder has put a restriction on the card')],
  ['2059', C, 'incorrect_address', 'Address Verification Failed', named('Address Verification Failed')],
  ['2099', C, 'authentication_required', 'Cardholder Authentication Required', named('Cardholder Authentication Required')],
  ['3000', T, 'processing_error', 'Processor Network Unavailable - Try Again', named('Processor Network Unavailable - Try Again')],
]);

export const SQUARE_ERROR_CODES = table('square.error_code', [
  ['ADDRESS_VERIFICATION_FAILURE', C, 'incorrect_address', 'The postal code is incorrect'],
  ['ALLOWABLE_PIN_TRIES_EXCEEDED', C, 'contact_bank', 'Too many incorrect PIN entries'],
  ['BAD_EXPIRATION', C, 'incorrect_card_details', 'The expiration date is missing or malformed'],
  ['CARD_DECLINED', S, 'generic_decline', 'The card was declined'],
  ['CARD_DECLINED_CALL_ISSUER', C, 'contact_bank', 'The issuer asks the cardholder to call'],
  ['CARD_DECLINED_VERIFICATION_REQUIRED', C, 'authentication_required', 'The card requires verification'],
  ['CARD_EXPIRED', C, 'expired_card', 'The card has expired'],
  ['CARD_NOT_SUPPORTED', C, 'card_not_supported', 'The card is not supported in this region or for this payment'],
  ['CARD_TOKEN_EXPIRED', C, 'update_payment_method', 'The card token has expired'],
  ['CARDHOLDER_INSUFFICIENT_PERMISSIONS', C, 'contact_bank', 'The card issuer declined the payment for permissions'],
  ['CHIP_INSERTION_REQUIRED', C, 'authentication_required', 'The card must be inserted (chip)'],
  ['CVV_FAILURE', C, 'incorrect_card_details', 'The CVV is incorrect'],
  ['EXPIRATION_FAILURE', C, 'incorrect_card_details', 'The expiration date is incorrect'],
  ['GENERIC_DECLINE', S, 'generic_decline', 'The issuer declined without a specific reason'],
  ['INSUFFICIENT_FUNDS', S, 'insufficient_funds', 'Insufficient funds'],
  ['INVALID_ACCOUNT', C, 'update_payment_method', 'The issuer could not find the account'],
  ['INVALID_CARD', C, 'incorrect_card_details', 'The card is invalid'],
  ['INVALID_CARD_DATA', C, 'incorrect_card_details', 'The card data is invalid'],
  ['INVALID_EXPIRATION', C, 'incorrect_card_details', 'The expiration date is invalid'],
  ['INVALID_PIN', C, 'incorrect_card_details', 'The PIN is incorrect'],
  ['INVALID_POSTAL_CODE', C, 'incorrect_address', 'The postal code is invalid'],
  ['MANUALLY_ENTERED_PAYMENT_NOT_SUPPORTED', C, 'card_not_supported', 'The card must be swiped, tapped or dipped'],
  ['PAN_FAILURE', C, 'incorrect_card_details', 'The card number is invalid'],
  ['PAYMENT_LIMIT_EXCEEDED', S, 'limit_exceeded', 'The payment exceeds a limit'],
  ['TEMPORARY_ERROR', T, 'processing_error', 'A temporary internal error occurred'],
  ['TRANSACTION_LIMIT', S, 'limit_exceeded', 'The card issuer\'s transaction limit was exceeded'],
  ['VOICE_FAILURE', C, 'contact_bank', 'The issuer requires voice authorisation'],
]);

const visa = (category: 1 | 2 | 3 | 4): Partial<CodeRule> => ({ visaCategory: category });

/** Visa's reattempt categories (April 2022 onwards). Codes not listed are category 4. */
export const VISA_RESPONSE_CODES = table('visa.response_code', [
  ['04', H, 'pickup_card', 'Pick up card (no fraud)', visa(1)],
  ['07', H, 'pickup_card', 'Pick up card, special conditions', visa(1)],
  ['12', H, 'issuer_will_never_approve', 'Invalid transaction', visa(1)],
  ['14', H, 'invalid_account', 'Invalid account number (no such number)', visa(1)],
  ['15', H, 'invalid_account', 'No such issuer', visa(1)],
  ['41', H, 'lost_or_stolen', 'Lost card, pick up', visa(1)],
  ['43', H, 'lost_or_stolen', 'Stolen card, pick up', visa(1)],
  ['46', H, 'account_closed', 'Closed account', visa(1)],
  ['57', H, 'issuer_will_never_approve', 'Transaction not permitted to cardholder', visa(1)],
  ['R0', H, 'authorization_revoked', 'Stop payment order', visa(1)],
  ['R1', H, 'authorization_revoked', 'Revocation of authorisation order', visa(1)],
  ['R3', H, 'authorization_revoked', 'Revocation of all authorisations order', visa(1)],
  ['03', S, 'generic_decline', 'Invalid merchant', visa(2)],
  ['19', T, 'processing_error', 'Re-enter transaction', visa(2)],
  ['51', S, 'insufficient_funds', 'Insufficient funds', visa(2)],
  ['59', F, 'suspected_fraud', 'Suspected fraud', visa(2)],
  ['61', S, 'limit_exceeded', 'Exceeds withdrawal amount limit', visa(2)],
  ['62', S, 'limit_exceeded', 'Restricted card (for example by region)', visa(2)],
  ['65', S, 'limit_exceeded', 'Exceeds withdrawal frequency limit', visa(2)],
  ['75', C, 'contact_bank', 'Allowable number of PIN tries exceeded', visa(2)],
  ['78', C, 'contact_bank', 'Blocked, first use (the card is not activated)', visa(2)],
  ['86', T, 'processing_error', 'Cannot verify PIN', visa(2)],
  ['91', T, 'issuer_unavailable', 'Issuer or switch inoperative', visa(2)],
  ['93', S, 'generic_decline', 'Transaction cannot be completed (violation of law)', visa(2)],
  ['96', T, 'processing_error', 'System malfunction', visa(2)],
  ['N3', S, 'generic_decline', 'Cash service not available', visa(2)],
  ['N4', S, 'limit_exceeded', 'Cash request exceeds issuer limit', visa(2)],
  ['54', C, 'expired_card', 'Expired card', visa(3)],
  ['55', C, 'incorrect_card_details', 'Incorrect PIN', visa(3)],
  ['6P', C, 'incorrect_card_details', 'Verification data failed (cardholder ID)', visa(3)],
  ['82', C, 'incorrect_card_details', 'Negative CAM, dCVV, iCVV or CVV result', visa(3)],
  ['N7', C, 'incorrect_card_details', 'Decline for CVV2 failure', visa(3)],
  ['1A', C, 'authentication_required', 'Additional customer authentication required', visa(3)],
  ['01', C, 'contact_bank', 'Refer to card issuer', visa(4)],
  ['05', S, 'generic_decline', 'Do not honor', visa(4)],
]);

const after = (hours: number): Partial<CodeRule> => ({ retryAfterHours: hours });

export const MASTERCARD_ADVICE_CODES = table('mastercard.merchant_advice_code', [
  ['01', C, 'update_payment_method', 'New account information available'],
  ['02', S, 'try_again_later', 'Cannot approve at this time, try again later'],
  ['03', H, 'do_not_try_again', 'Do not try again'],
  ['04', C, 'update_payment_method', 'Token requirements not fulfilled for this token type'],
  ['21', H, 'authorization_revoked', 'Payment cancellation: the cardholder stopped recurring payments'],
  ['24', S, 'try_again_later', 'Retry after 1 hour', after(1)],
  ['25', S, 'try_again_later', 'Retry after 24 hours', after(24)],
  ['26', S, 'try_again_later', 'Retry after 2 days', after(48)],
  ['27', S, 'try_again_later', 'Retry after 4 days', after(96)],
  ['28', S, 'try_again_later', 'Retry after 6 days', after(144)],
  ['29', S, 'try_again_later', 'Retry after 8 days', after(192)],
  ['30', S, 'try_again_later', 'Retry after 10 days', after(240)],
]);

export const ALL_CODES: readonly CodeRule[] = [
  ...STRIPE_DECLINE_CODES,
  ...STRIPE_ADVICE_CODES,
  ...ADYEN_REFUSAL_REASONS,
  ...PAYPAL_PROCESSOR_RESPONSES,
  ...BRAINTREE_PROCESSOR_RESPONSES,
  ...SQUARE_ERROR_CODES,
  ...VISA_RESPONSE_CODES,
  ...MASTERCARD_ADVICE_CODES,
];

/** Code or name (case-insensitive) -> rule, per source. */
const LOOKUP = new Map<CodeSource, Map<string, CodeRule>>();
for (const rule of ALL_CODES) {
  const bySource = LOOKUP.get(rule.source) ?? new Map<string, CodeRule>();
  bySource.set(rule.code.toUpperCase(), rule);
  if (rule.name) bySource.set(rule.name.toUpperCase(), rule);
  LOOKUP.set(rule.source, bySource);
}

export function lookupCode(source: CodeSource, value: string | undefined): CodeRule | undefined {
  if (value === undefined) return undefined;
  return LOOKUP.get(source)?.get(value.trim().toUpperCase());
}
