import type { PaymentEvent } from '../../../core/event';
import { scoreEvent } from '../../../core/risk';
import type { RiskAssessment, RiskConfig, RiskWindowStore } from '../../../core/risk/types';
import type { Lane } from '../storage/types';

/**
 * The lane from core/risk's assessment (amount thresholds and risk signals). A `block`
 * verdict still goes to the review lane: the runtime never drops a verified event, it
 * delivers it last and lets the workflow decide.
 */
export interface LaneOptions {
  store: RiskWindowStore;
  config: RiskConfig;
  now: number;
  /** Hears the whole assessment (metrics, traces). */
  report?: (assessment: RiskAssessment) => void;
}

export async function laneFor(event: PaymentEvent, options: LaneOptions): Promise<Lane> {
  const { store, config, now, report } = options;
  const assessment = await scoreEvent(event, { store, config, now, source: event.provider });
  report?.(assessment);
  return assessment.lane === 'block' ? 'review' : assessment.lane;
}
