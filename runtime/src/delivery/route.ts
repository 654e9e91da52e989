import type { PaymentEvent } from '../../../core/event';
import type { DestinationConfig } from '../config/types';

/** The destinations that take this event's kind. */
export function destinationsFor(event: PaymentEvent, destinations: readonly DestinationConfig[]): string[] {
  return destinations
    .filter((destination) => destination.kinds.includes('*') || destination.kinds.includes(event.kind))
    .map((destination) => destination.name);
}
