/**
 * Braintree: a form body with `bt_signature` and `bt_payload` (base64 XML). `bt_signature` is
 * `publicKey|hex` pairs joined by `&`; the hex is the HMAC-SHA1 of `bt_payload`, with or without
 * its trailing newline, keyed with the raw SHA-1 digest of the private key.
 */
import { createHash } from 'node:crypto';
import type { EventKind, PaymentEvent } from '../event';
import { decodeDigests, hmac, matchAny, refuse, signingSecret } from './crypto';
import { canonicalEvent, decimalAmount, derivedId, fullName, isoTime, kindFrom, malformedBody, nonEmpty } from './payload';
import type { NormalizeResult, Provider, SignedRequest, SourceConfig, VerifyResult, WebhookRequest, ProviderSettings } from './types';
import { childElement, childText, parseXml, XmlError, type XmlElement } from './xml';
import { secretSetting } from './settings';

const KINDS: Readonly<Record<string, EventKind>> = {
  transaction_settled: 'payment.succeeded',
  local_payment_completed: 'payment.succeeded',
  transaction_settlement_declined: 'payment.failed',
  subscription_went_active: 'subscription.created',
  subscription_charged_successfully: 'subscription.renewed',
  subscription_charged_unsuccessfully: 'invoice.payment_failed',
  subscription_canceled: 'subscription.canceled',
  dispute_opened: 'dispute.opened',
  dispute_won: 'dispute.closed',
  dispute_lost: 'dispute.closed',
  dispute_accepted: 'dispute.closed',
  dispute_auto_accepted: 'dispute.closed',
  dispute_expired: 'dispute.closed',
  disbursement: 'payout.paid',
};

const PAYMENT_METHODS: Readonly<Record<string, string>> = {
  credit_card: 'card',
  android_pay_card: 'google_pay',
  apple_pay_card: 'apple_pay',
  paypal_account: 'paypal',
  venmo_account: 'venmo',
  us_bank_account: 'us_bank_account',
  sepa_debit_account: 'sepa_debit',
};

/** Base64 as Braintree writes it: the SDKs refuse anything else before checking the signature. */
const PAYLOAD = /^[A-Za-z0-9+=/\n]+$/;

function formFields(rawBody: Buffer): { signature?: string; payload?: string } {
  const form = new URLSearchParams(rawBody.toString('utf8'));
  return { signature: form.get('bt_signature') ?? undefined, payload: form.get('bt_payload') ?? undefined };
}

function payloadHmac(privateKey: string, payload: string): Buffer {
  return hmac('sha1', createHash('sha1').update(privateKey.trim()).digest(), payload);
}

async function verify(request: WebhookRequest, config: SourceConfig): Promise<VerifyResult> {
  const publicKey = typeof config.publicKey === 'string' ? config.publicKey.trim() : '';
  if (publicKey === '') return refuse('missing_secret', 'publicKey is not configured: bt_signature names the key pair it was made with');
  const { signature, payload } = formFields(request.rawBody);
  if (signature === undefined || payload === undefined) {
    return refuse('missing_signature', 'the form body lacks bt_signature or bt_payload');
  }
  if (!PAYLOAD.test(payload)) return refuse('body_unreadable', 'bt_payload is not base64');
  const pairs = signature
    .split('&')
    .filter((pair) => pair.includes('|'))
    .map((pair) => pair.split('|'));
  if (pairs.length === 0) return refuse('malformed_signature', 'bt_signature holds no publicKey|signature pair');
  const ours = pairs.filter(([key]) => key === publicKey).map(([, value]) => value ?? '');
  if (ours.length === 0) {
    return refuse('unknown_key', 'no bt_signature pair is for the configured publicKey (another key pair signed it)');
  }
  const signatures = decodeDigests(ours, { encoding: 'hex', algorithm: 'sha1', source: 'the bt_signature value' });
  if (!Array.isArray(signatures)) return signatures;
  // The SDKs accept the payload with and without a trailing newline (some senders strip it).
  const attempts = [payload, `${payload}\n`].map((signed) =>
    matchAny(config.secrets, signatures, (privateKey) => payloadHmac(privateKey, signed)),
  );
  return attempts.find((attempt) => attempt.ok) ?? attempts[0];
}

/** The XML notification inside a Braintree form body. */
function notificationOf(rawBody: Buffer): { xml: string; root: XmlElement } | string {
  const { payload } = formFields(rawBody);
  if (payload === undefined) return 'the form body has no bt_payload';
  if (!PAYLOAD.test(payload)) return 'bt_payload is not base64';
  const xml = Buffer.from(payload, 'base64').toString('utf8');
  try {
    const root = parseXml(xml);
    return root.name === 'notification' ? { xml, root } : `the payload's root element is <${root.name}>, not <notification>`;
  } catch (error) {
    if (error instanceof XmlError) return `the payload is not well-formed XML: ${error.message}`;
    throw error;
  }
}

/** The subject's first transaction: its own, or the first of a subscription's list. */
function transactionOf(subject: XmlElement | undefined): XmlElement | undefined {
  if (subject?.name === 'transaction') return subject;
  return childElement(subject, 'transaction') ?? childElement(childElement(subject, 'transactions'), 'transaction');
}

function amountOf(subject: XmlElement | undefined, transaction: XmlElement | undefined): PaymentEvent['amount'] {
  const currency =
    childText(subject, 'currency-iso-code') ??
    childText(transaction, 'currency-iso-code') ??
    childText(subject, 'merchant-account', 'currency-iso-code');
  const value =
    subject?.name === 'dispute'
      ? childText(subject, 'amount-disputed') ?? childText(subject, 'amount')
      : childText(subject, 'amount') ?? childText(transaction, 'amount');
  return decimalAmount(value, currency);
}

function normalize(request: WebhookRequest, receivedAt: Date): NormalizeResult {
  const parsed = notificationOf(request.rawBody);
  if (typeof parsed === 'string') return malformedBody(parsed);
  const { xml, root: notification } = parsed;
  const type = childText(notification, 'kind');
  const timestamp = childText(notification, 'timestamp');
  if (type === undefined || timestamp === undefined) return malformedBody('the notification needs kind and timestamp');
  const subject = childElement(notification, 'subject')?.children[0];
  const transaction = transactionOf(subject);
  const subjectId = childText(subject, 'id') ?? childText(subject, 'transaction-id') ?? childText(transaction, 'id');
  const instrument = childText(transaction, 'payment-instrument-type');
  const customer = childElement(transaction, 'customer');
  const kind = kindFrom(KINDS, type);
  const event = canonicalEvent(
    {
      // Braintree sends no event id: kind + timestamp + subject id identify a notification.
      id: derivedId(type, timestamp, subjectId),
      provider: 'braintree',
      type,
      kind,
      occurredAt: isoTime(timestamp, receivedAt),
      amount: amountOf(subject, transaction),
      paymentId: childText(transaction, 'id'),
      subscriptionId: subject?.name === 'subscription' ? childText(subject, 'id') : childText(transaction, 'subscription-id'),
      reference: childText(transaction, 'order-id'),
      paymentMethod: instrument === undefined ? undefined : PAYMENT_METHODS[instrument] ?? instrument,
      customer: nonEmpty({
        id: childText(customer, 'id'),
        email: childText(customer, 'email'),
        name: fullName(childText(customer, 'first-name'), childText(customer, 'last-name')),
      }),
      failure:
        kind === 'payment.failed' || kind === 'invoice.payment_failed'
          ? nonEmpty({
              code: childText(transaction, 'processor-settlement-response-code') ?? childText(transaction, 'processor-response-code'),
              message: childText(transaction, 'processor-settlement-response-text') ?? childText(transaction, 'processor-response-text'),
            })
          : undefined,
      risk: nonEmpty({ cardFingerprint: childText(transaction, 'credit-card', 'unique-number-identifier') }),
      verification: 'signature',
      // The notification XML as Braintree sent it (decoded from bt_payload).
      raw: xml,
    },
    receivedAt,
  );
  return { ok: true, events: [event] };
}

/**
 * Signs an XML notification the way Braintree sends it: base64 with a trailing newline as
 * `bt_payload`, `publicKey|hex` as `bt_signature`, form-encoded.
 */
function sign(body: Buffer, config: SourceConfig): SignedRequest {
  const publicKey = typeof config.publicKey === 'string' ? config.publicKey.trim() : '';
  if (publicKey === '') throw new Error('braintree: configure publicKey to sign a test event');
  const payload = `${body.toString('base64')}\n`;
  const signature = payloadHmac(signingSecret(config.secrets, 'braintree'), payload).toString('hex');
  const form = new URLSearchParams({ bt_signature: `${publicKey}|${signature}`, bt_payload: payload });
  return { body: Buffer.from(form.toString()), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

const TRANSACTION = (status: string, extra = '') => `<transaction>
  <id>tx_test_1</id>
  <status>${status}</status>
  <type>sale</type>
  <currency-iso-code>USD</currency-iso-code>
  <amount>49.99</amount>
  <order-id>order-1001</order-id>
  <payment-instrument-type>credit_card</payment-instrument-type>
  <credit-card><card-type>Visa</card-type><last-4>1111</last-4><unique-number-identifier>test-card-fingerprint</unique-number-identifier></credit-card>
  <customer><id>customer_1</id><email>jane@example.com</email></customer>${extra}
</transaction>`;

const SUBSCRIPTION = (status: string, transactions = '') => `<subscription>
  <id>subscription_1</id>
  <status>${status}</status>
  <transactions type="array">${transactions}</transactions>
</subscription>`;

const DISPUTE = (status: string) => `<dispute>
  <id>dispute_1</id>
  <amount-disputed>49.99</amount-disputed>
  <currency-iso-code>USD</currency-iso-code>
  <kind>chargeback</kind>
  <status>${status}</status>
  <reason>fraud</reason>
  <transaction><id>tx_test_1</id><amount>49.99</amount></transaction>
</dispute>`;

const EXAMPLES: Readonly<Partial<Record<EventKind, { kind: string; subject: string }>>> = {
  'payment.succeeded': { kind: 'transaction_settled', subject: TRANSACTION('settled') },
  'payment.failed': {
    kind: 'transaction_settlement_declined',
    subject: TRANSACTION('settlement_declined', '<processor-settlement-response-code>4001</processor-settlement-response-code><processor-settlement-response-text>Settlement Declined</processor-settlement-response-text>'),
  },
  'dispute.opened': { kind: 'dispute_opened', subject: DISPUTE('open') },
  'dispute.closed': { kind: 'dispute_won', subject: DISPUTE('won') },
  'invoice.payment_failed': { kind: 'subscription_charged_unsuccessfully', subject: SUBSCRIPTION('past_due', TRANSACTION('processor_declined')) },
  'subscription.created': { kind: 'subscription_went_active', subject: SUBSCRIPTION('active') },
  'subscription.renewed': { kind: 'subscription_charged_successfully', subject: SUBSCRIPTION('active', TRANSACTION('submitted_for_settlement')) },
  'subscription.canceled': { kind: 'subscription_canceled', subject: SUBSCRIPTION('canceled') },
  'payout.paid': {
    kind: 'disbursement',
    subject: '<disbursement><id>disbursement_1</id><amount>1049.99</amount><success type="boolean">true</success><merchant-account><id>merchant_account_1</id><currency-iso-code>USD</currency-iso-code></merchant-account><disbursement-date type="date">2026-01-15</disbursement-date></disbursement>',
  },
  other: { kind: 'check', subject: '<check type="boolean">true</check>' },
};

/** Kinds Braintree has no webhook for (pending, refunds, invoices, checkout) get the unmapped example. */
function example(kind: EventKind, now: Date): Buffer {
  const { kind: type, subject } = EXAMPLES[kind] ?? EXAMPLES.other!;
  const timestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return Buffer.from(
    `<notification>\n  <timestamp type="datetime">${timestamp}</timestamp>\n  <kind>${type}</kind>\n  <subject>${subject}</subject>\n</notification>`,
  );
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Private Key', 'In Braintree: Settings → API → API keys → Private key'),
  fields: [
    {
      name: 'publicKey',
      displayName: 'Public Key',
      type: 'string',
      default: '',
      required: true,
      description: 'The public key shown next to the private key',
    },
  ],
};

export const braintree: Provider = { id: 'braintree', displayName: 'Braintree', settings: SETTINGS, verify, normalize, sign, example };
