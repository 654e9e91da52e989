import type { PaymentEvent } from '../../../core/event';
import type { DeliveryJob, EventFacts } from './types';

/**
 * A delivery of an event kept as text: the facts, the text as it is (the body it sends), and
 * the event parsed only when something reads it (a dead letter keeps it whole). A delivery
 * that succeeds never parses the event.
 */
export function storedJob(stored: { facts: EventFacts; body: string }, delivery: Pick<DeliveryJob, 'destination' | 'lane' | 'attempt'>): DeliveryJob {
  let event: PaymentEvent | undefined;
  return {
    ...delivery,
    facts: stored.facts,
    body: stored.body,
    get event() {
      return (event ??= JSON.parse(stored.body) as PaymentEvent);
    },
  };
}
