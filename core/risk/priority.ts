import type { PaymentEvent } from '../event';
import type { AmountThresholds, CurrencyAmounts } from './types';

/** The threshold for a currency, or undefined when none is set (that currency is not judged on amount). */
export function thresholdFor(amounts: CurrencyAmounts | undefined, currency: string): number | undefined {
  return amounts?.[currency.toUpperCase()];
}

/**
 * The lane by amount alone: cheap and pure, for the runtime's hot path. The full scorer
 * (`scoreEvent`) adds velocity, ratios and spikes on top of this.
 */
export function priorityFor(event: Pick<PaymentEvent, 'amount'>, thresholds: AmountThresholds): 'priority' | 'standard' {
  if (!event.amount) return 'standard';
  const limit = thresholdFor(thresholds.highValue, event.amount.currency);
  return limit !== undefined && event.amount.minor >= limit ? 'priority' : 'standard';
}
