import type { PaymentEvent } from '../../../core/event';

let sequence = 0;

/** A canonical card payment event; each call gets a fresh id unless one is given. */
export function paymentEvent(overrides: Partial<PaymentEvent> = {}): PaymentEvent {
  const id = overrides.id ?? `evt_${++sequence}`;
  return {
    id,
    provider: 'stripe',
    type: 'charge.succeeded',
    kind: 'payment.succeeded',
    occurredAt: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:00.000Z',
    amount: { minor: 4_999, currency: 'USD' },
    idempotencyKey: `stripe:${id}`,
    raw: {},
    ...overrides,
  };
}
