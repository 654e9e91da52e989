/**
 * What the runtime's `GET /admin/insights` answers (runtime/src/insights/compute.ts computes
 * it; docs/operations.md describes each field): here so the nodes can read it without the runtime.
 */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

export interface FailureRate {
  key: string;
  attempts: number;
  failed: number;
  rate: number;
}

export interface Fulfilment {
  paymentMethod: string;
  fulfilled: number;
  deadLettered: number;
  pending: number;
  /** fulfilled / (fulfilled + deadLettered); pending events are not decided yet. */
  fulfilledShare: number;
}

export interface Insights {
  from: string;
  to: string;
  events: number;
  failureRate: { byGateway: FailureRate[]; byPaymentMethod: FailureRate[] };
  cancellations: { total: number; byHourOfDay: number[]; byDayOfWeek: Array<{ day: (typeof WEEKDAYS)[number]; count: number }> };
  fulfilment: Fulfilment[];
  recovery: { failed: number; recovered: number; canceled: number; open: number; recoveryRate: number };
  amounts: Array<{ day: string; currency: string; minor: number; count: number }>;
}
