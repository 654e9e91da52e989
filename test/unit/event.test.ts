import { EVENT_KINDS, inNamespace, validateEvent } from '../../core/event';

/** A complete, valid event as it comes back from JSON. */
function validEvent(): Record<string, unknown> {
  return {
    id: 'evt_1NqY2Z2eZvKYlo2C',
    provider: 'stripe',
    type: 'payment_intent.succeeded',
    kind: 'payment.succeeded',
    occurredAt: '2026-11-30T04:00:00.000Z',
    receivedAt: '2026-11-30T04:00:01.250+01:00',
    livemode: false,
    amount: { minor: 1999, currency: 'USD' },
    paymentId: 'pi_3NqY2Z2eZvKYlo2C',
    paymentMethod: 'card',
    customer: { id: 'cus_1', email: 'a@example.com' },
    failure: { code: 'card_declined', declineCode: 'insufficient_funds' },
    risk: { providerScore: 12, ip: '203.0.113.9' },
    verification: 'signature',
    idempotencyKey: 'stripe:evt_1NqY2Z2eZvKYlo2C',
    raw: { id: 'evt_1NqY2Z2eZvKYlo2C' },
  };
}

function errorsOf(value: unknown): string[] {
  const result = validateEvent(value);
  if (result.ok) throw new Error('expected the event to be refused');
  return result.errors;
}

describe('validateEvent', () => {
  it('accepts a complete event and returns it', () => {
    const event = validEvent();
    expect(validateEvent(event)).toEqual({ ok: true, event });
  });

  it('accepts the minimal event and every kind', () => {
    for (const kind of EVENT_KINDS) {
      const minimal = {
        id: 'x',
        provider: 'adyen',
        type: 'AUTHORISATION',
        kind,
        occurredAt: '2026-01-01T00:00:00Z',
        receivedAt: '2026-01-01T00:00:00Z',
        idempotencyKey: 'adyen:x',
        raw: null,
      };
      expect(validateEvent(minimal).ok).toBe(true);
    }
  });

  it('accepts an event that went through JSON, with extra fields from newer versions', () => {
    const event = { ...JSON.parse(JSON.stringify(validEvent())), futureField: 1 };
    expect(validateEvent(event).ok).toBe(true);
  });

  it.each([null, 'event', 42, [validEvent()]])('refuses %p as a whole', (value) => {
    expect(errorsOf(value)).toEqual([expect.stringMatching(/^event: must be an object, got /)]);
  });

  const wrong: Array<[string, (event: Record<string, unknown>) => void, string]> = [
    ['a fractional amount', (e) => (e.amount = { minor: 12.5, currency: 'USD' }), 'amount.minor: must be an integer, got 12.5'],
    ['a string amount', (e) => (e.amount = { minor: '1250', currency: 'USD' }), 'amount.minor: must be an integer, got "1250"'],
    ['an unsafe amount', (e) => (e.amount = { minor: 2 ** 53, currency: 'USD' }), 'amount.minor: must be a safe integer, got 9007199254740992'],
    ['a lower-case currency', (e) => (e.amount = { minor: 1, currency: 'usd' }), 'amount.currency: must be three upper-case letters, got "usd"'],
    ['an unknown currency', (e) => (e.amount = { minor: 1, currency: 'ABC' }), 'amount.currency: must be an ISO 4217 currency with minor units, got "ABC"'],
    ['an amount that is not an object', (e) => (e.amount = 1999), 'amount: must be an object, got 1999'],
    ['an unknown kind', (e) => (e.kind = 'payment.done'), 'kind: must be one of payment.succeeded'],
    ['a missing kind', (e) => delete e.kind, 'kind: must be one of'],
    ['a timestamp without a time zone', (e) => (e.occurredAt = '2026-11-30T04:00:00'), 'occurredAt: must be an ISO 8601 date-time with a time zone, got "2026-11-30T04:00:00"'],
    ['a Unix timestamp', (e) => (e.receivedAt = 1764475200), 'receivedAt: must be an ISO 8601 date-time with a time zone, got 1764475200'],
    ['an impossible date', (e) => (e.occurredAt = '2026-13-45T04:00:00Z'), 'occurredAt: must be an ISO 8601'],
    ['an empty id', (e) => (e.id = ''), 'id: must be a non-empty string, got ""'],
    ['a missing provider', (e) => delete e.provider, 'provider: must be a non-empty string, got nothing'],
    ['a numeric type', (e) => (e.type = 7), 'type: must be a non-empty string, got 7'],
    ['a string livemode', (e) => (e.livemode = 'true'), 'livemode: must be a boolean, got "true"'],
    ['a numeric paymentId', (e) => (e.paymentId = 12), 'paymentId: must be a string, got 12'],
    ['a numeric customer email', (e) => (e.customer = { email: 5 }), 'customer.email: must be a string, got 5'],
    ['a customer array', (e) => (e.customer = []), 'customer: must be an object, got an array'],
    ['a numeric decline code', (e) => (e.failure = { declineCode: 51 }), 'failure.declineCode: must be a string, got 51'],
    ['a NaN risk score', (e) => (e.risk = { providerScore: Number.NaN }), 'risk.providerScore: must be a finite number, got NaN'],
    ['an unknown verification', (e) => (e.verification = 'trusted'), 'verification: must be one of signature, fetch_required, confirmed, got "trusted"'],
    ['a mismatched idempotency key', (e) => (e.idempotencyKey = 'stripe:evt_other'), 'idempotencyKey: must be "stripe:evt_1NqY2Z2eZvKYlo2C" (provider:id), got "stripe:evt_other"'],
    ['a bare id as idempotency key', (e) => (e.idempotencyKey = 'evt_1NqY2Z2eZvKYlo2C'), 'idempotencyKey: must be "stripe:evt_1NqY2Z2eZvKYlo2C"'],
    ['a missing raw payload', (e) => delete e.raw, 'raw: must be present'],
  ];

  it.each(wrong)('names the field for %s', (_label, spoil, message) => {
    const event = validEvent();
    spoil(event);
    const errors = errorsOf(event);
    expect(errors).toHaveLength(1);
    expect(errors[0].startsWith(message)).toBe(true);
  });

  it('reports every wrong field at once', () => {
    const event = validEvent();
    event.kind = 'nope';
    event.amount = { minor: 1.5, currency: 'usd' };
    event.occurredAt = 'yesterday';
    const errors = errorsOf(event);
    expect(errors.map((e) => e.split(':')[0])).toEqual(['kind', 'occurredAt', 'amount.minor', 'amount.currency']);
  });

  it('shortens long wrong values', () => {
    const event = validEvent();
    event.type = { toString: () => 'x'.repeat(500) };
    const [error] = errorsOf(event);
    expect(error.length).toBeLessThan(120);
    expect(error.endsWith('...')).toBe(true);
  });
});

describe('inNamespace', () => {
  const event = {
    id: 'evt_1',
    provider: 'stripe',
    type: 'charge.succeeded',
    kind: 'payment.succeeded' as const,
    occurredAt: '2026-11-30T12:00:00Z',
    receivedAt: '2026-11-30T12:00:01Z',
    idempotencyKey: 'stripe:evt_1',
    raw: null,
  };

  it('keeps provider:id for a source named after its provider, and puts the key in any other source\'s namespace', () => {
    expect(inNamespace(event, 'stripe')).toEqual(event);
    const namespaced = inNamespace(event, 'stripe-eu');
    expect(namespaced).toEqual({ ...event, source: 'stripe-eu', idempotencyKey: 'stripe-eu:evt_1' });
    expect(validateEvent(namespaced)).toEqual({ ok: true, event: namespaced });
    expect(inNamespace(namespaced, 'stripe')).toEqual(event);
  });

  it('refuses a key that is not in the event\'s namespace', () => {
    expect(validateEvent({ ...event, source: 'stripe-eu' })).toMatchObject({ ok: false, errors: [expect.stringContaining('must be "stripe-eu:evt_1" (source:id)')] });
    expect(validateEvent({ ...event, source: 'stripe-eu', idempotencyKey: 'stripe-eu:evt_1', id: 'evt_2' }).ok).toBe(false);
  });
});
