/**
 * Checkout.com: `Cko-Signature` is the hex HMAC-SHA256 of the raw body with the endpoint's
 * signature key. A source may also set `authorization`, the value Checkout.com sends in the
 * `Authorization` header; it is then checked too, in constant time.
 */
import type { EventKind, MoneyAmount } from '../event';
import { parseDecimal } from '../money';
import { header, refuse, textMatches, type HeaderHmacScheme } from './crypto';
import { headerHmacVerifier, signHeaderHmac } from './header-hmac';
import {
  canonicalEvent,
  compact,
  isoTime,
  kindFrom,
  malformedBody,
  moneyOrUndefined,
  nonEmpty,
  parseJsonObject,
  pick,
  pickNumber,
  pickString,
} from './payload';
import type { Provider, SourceConfig, ProviderSettings } from './types';
import { secretSetting } from './settings';

const SCHEME: HeaderHmacScheme = { headers: ['cko-signature'], algorithm: 'sha256', encoding: 'hex' };
const verifySignature = headerHmacVerifier(SCHEME);

const KINDS: Readonly<Record<string, EventKind>> = {
  payment_approved: 'payment.pending',
  payment_pending: 'payment.pending',
  payment_captured: 'payment.succeeded',
  payment_paid: 'payment.succeeded',
  payment_declined: 'payment.failed',
  payment_capture_declined: 'payment.failed',
  payment_expired: 'payment.failed',
  payment_canceled: 'payment.failed',
  payment_refunded: 'payment.refunded',
  dispute_received: 'dispute.opened',
  dispute_evidence_required: 'dispute.opened',
  dispute_won: 'dispute.closed',
  dispute_lost: 'dispute.closed',
  dispute_accepted: 'dispute.closed',
  dispute_resolved: 'dispute.closed',
  dispute_canceled: 'dispute.closed',
  dispute_expired: 'dispute.closed',
};

/**
 * Checkout.com counts amounts in its own minor units ("Format the amount value" in its docs):
 * the full amount for these currencies, amount/1000 for the next list, amount/100 for all
 * others. That differs from ISO 4217 for CLP (ISO 0, Checkout.com 2) and CLF (ISO 4, 0).
 */
const FULL_AMOUNT = new Set(['BIF', 'CLF', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'VUV', 'VND', 'XAF', 'XOF', 'XPF']);
const THOUSANDTHS = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

function checkoutExponent(currency: string): number {
  if (FULL_AMOUNT.has(currency)) return 0;
  return THOUSANDTHS.has(currency) ? 3 : 2;
}

/** Converts a Checkout.com amount to ISO minor units through money.ts's exact decimal parser. */
export function checkoutAmount(amount: unknown, currency: unknown): MoneyAmount | undefined {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || typeof currency !== 'string') return undefined;
  const code = currency.toUpperCase();
  const digits = checkoutExponent(code);
  const magnitude = Math.abs(amount).toString().padStart(digits + 1, '0');
  const decimal = digits === 0 ? magnitude : `${magnitude.slice(0, -digits)}.${magnitude.slice(-digits)}`;
  return moneyOrUndefined(() => parseDecimal(`${amount < 0 ? '-' : ''}${decimal}`, code));
}

function configuredAuthorization(config: SourceConfig): string | undefined {
  return typeof config.authorization === 'string' && config.authorization !== '' ? config.authorization : undefined;
}

const EXAMPLES: Partial<Record<EventKind, string>> = {
  'payment.succeeded': 'payment_captured',
  'payment.pending': 'payment_approved',
  'payment.failed': 'payment_declined',
  'payment.refunded': 'payment_refunded',
  'dispute.opened': 'dispute_received',
  'dispute.closed': 'dispute_won',
};

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Signature Key', 'In the Checkout.com Dashboard: your webhook → Signature key'),
  fields: [
    {
      name: 'authorization',
      displayName: 'Authorization Header Value',
      type: 'string',
      password: true,
      default: '',
      description: 'Optional: the Authorization header value set on the webhook; requests without it are refused',
    },
  ],
};

export const checkout: Provider = {
  id: 'checkout',
  displayName: 'Checkout.com',
  settings: SETTINGS,

  async verify(request, config) {
    const expected = configuredAuthorization(config);
    if (expected !== undefined) {
      const received = header(request.headers, 'authorization');
      if (received === undefined) {
        return refuse('missing_signature', 'the Authorization header is absent and this source sets `authorization`');
      }
      if (!textMatches(expected, received)) {
        return refuse('signature_mismatch', 'the Authorization header does not match the configured `authorization` value');
      }
    }
    return verifySignature(request, config);
  },

  normalize(request, receivedAt) {
    const parsed = parseJsonObject(request.rawBody);
    if (!parsed.ok) return parsed;
    const body = parsed.value;
    const id = pickString(body, 'id');
    const type = pickString(body, 'type');
    if (id === undefined || type === undefined) return malformedBody('a Checkout.com event needs `id` and `type`');
    const data = pick(body, 'data');
    const kind = kindFrom(KINDS, type);
    const isDispute = type.startsWith('dispute_');
    return {
      ok: true,
      events: [
        canonicalEvent(
          compact({
            id,
            provider: 'checkout',
            type,
            kind,
            occurredAt: isoTime(pick(body, 'created_on'), receivedAt),
            amount: checkoutAmount(pickNumber(data, 'amount'), pickString(data, 'currency')),
            paymentId: isDispute ? pickString(data, 'payment_id') : pickString(data, 'id'),
            reference: pickString(data, isDispute ? 'payment_reference' : 'reference'),
            paymentMethod: pickString(data, 'source', 'type') ?? pickString(data, 'payment_method'),
            customer: nonEmpty({
              id: pickString(data, 'customer', 'id'),
              email: pickString(data, 'customer', 'email'),
              name: pickString(data, 'customer', 'name'),
            }),
            failure:
              kind === 'payment.failed'
                ? nonEmpty({ code: pickString(data, 'response_code'), message: pickString(data, 'response_summary') })
                : undefined,
            risk: nonEmpty({
              providerScore: pickNumber(data, 'risk', 'score'),
              cardFingerprint: pickString(data, 'source', 'fingerprint'),
            }),
            verification: 'signature' as const,
            raw: body,
          }),
          receivedAt,
        ),
      ],
    };
  },

  sign(body, config) {
    const authorization = configuredAuthorization(config);
    return signHeaderHmac({ scheme: SCHEME, providerId: 'checkout', body, config, headers: authorization === undefined ? {} : { authorization } });
  },

  example(kind, now) {
    const type = EXAMPLES[kind];
    if (type === undefined) throw new Error(`checkout has no example for ${kind}; it has ${Object.keys(EXAMPLES).join(', ')}`);
    const stamp = now.getTime().toString(36);
    const payment = {
      id: `pay_${stamp}test`,
      action_id: `act_${stamp}test`,
      amount: 6540,
      currency: 'USD',
      processed_on: now.toISOString(),
      reference: 'ORD-5023-4E89',
      response_code: type === 'payment_declined' ? '20051' : '10000',
      response_summary: type === 'payment_declined' ? 'Insufficient Funds' : 'Approved',
      source: { type: 'card', scheme: 'Visa', last4: '4242', fingerprint: 'F31828E2BDABAE63EB694903825CDD36041CC6ED461440B81415895855502832' },
      customer: { id: 'cus_udst2tfldj6upmye2reztkmm4i', email: 'brucewayne@gmail.com', name: 'Bruce Wayne' },
    };
    const data = type.startsWith('dispute_')
      ? { id: `dsp_${stamp}test`, category: 'fraudulent', amount: 6540, currency: 'USD', reason_code: '10.4', payment_id: payment.id, payment_reference: payment.reference }
      : payment;
    return Buffer.from(JSON.stringify({ id: `evt_${stamp}test`, type, version: '1.0.39', created_on: now.toISOString(), data }));
  },
};
