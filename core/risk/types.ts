import type { PaymentEvent } from '../event';

/**
 * Where an event goes: the priority lane, the standard lane, a human's review, or nowhere.
 * Most urgent first; the Payment Risk node has one output per lane, in this order.
 */
export const RISK_LANES = ['priority', 'standard', 'review', 'block'] as const;
export type RiskLane = (typeof RISK_LANES)[number];

/**
 * The lanes the runtime queues deliveries in, most urgent first (under backlog a lower rank is
 * delivered first). No `block`: the runtime never drops a verified event, it delivers a blocked
 * one for review.
 */
export const DELIVERY_LANES = ['priority', 'standard', 'review'] as const satisfies readonly RiskLane[];
export type DeliveryLane = (typeof DELIVERY_LANES)[number];

/** Per-currency amounts, in ISO minor units, keyed by upper-case currency code. */
export type CurrencyAmounts = Record<string, number>;

export interface AmountThresholds {
  /** At or above this amount an event goes to the priority lane. */
  highValue: CurrencyAmounts;
  /** At or below this amount an attempt counts as small (the size card testers use). */
  small?: CurrencyAmounts;
}

/** A rule that fires when its measured value reaches `limit`; a fired rule adds `weight` points. */
export interface Rule {
  limit: number;
  weight: number;
}

/** A ratio rule only speaks once enough attempts were seen, so one decline out of one is not 100%. */
export interface RatioRule extends Rule {
  minAttempts: number;
}

export interface SpikeRule {
  /** EWMA smoothing factor in (0, 1]: higher follows recent buckets more closely. */
  lambda: number;
  /** Control-limit width in standard deviations. */
  k: number;
  /** Width of one counting bucket. */
  bucketMs: number;
  /** How many buckets (the current one included) make the baseline. */
  history: number;
  /** Completed buckets with traffic needed before the chart speaks. */
  minBuckets: number;
  weight: number;
}

export interface RiskRules {
  /** The sliding window for velocity, ratios and distinct cards. */
  windowMs: number;
  attempts: Rule;
  declines: Rule;
  declineRatio: RatioRule;
  /** Share (0..1) of small attempts among all attempts. */
  smallShare: RatioRule;
  /** Distinct card fingerprints per IP or customer. */
  distinctCards: Rule;
  /** The gateway's own risk score (0..100 on the gateways that send one). */
  providerScore: Rule;
  spike: SpikeRule;
  /** Score bands: at or above `review` goes to review, at or above `block` is blocked. */
  lanes: { review: number; block: number };
}

export interface RiskConfig {
  amounts: AmountThresholds;
  rules: RiskRules;
}

/** One measured signal: what was measured, its value, the rule, and the points it added. */
export interface RiskSignal {
  /** Stable id, e.g. `declines.ip`, `spike.source`, `amount.high`. */
  id: string;
  /** A sentence a non-engineer can read. */
  label: string;
  value: number;
  limit: number;
  weight: number;
  fired: boolean;
  /** Points added to the score (the weight when fired, else 0). */
  points: number;
}

export interface RiskAssessment {
  lane: RiskLane;
  /** 0..100 */
  score: number;
  /** Labels of the fired signals, strongest first. */
  reasons: string[];
  signals: RiskSignal[];
}

/** One sliding window: remove what is older than `windowMs`, add `member` when given, count. */
export interface WindowOp {
  key: string;
  windowMs: number;
  member?: string;
  /**
   * The index, in the same call, of a window of the same length that is given every member
   * this one is given, at the same time. When that window holds nothing but the current
   * member, this one holds at most its own: a store may answer it without reading it.
   */
  subsetOf?: number;
}

/**
 * Where the windows live. Both operations are atomic per call, so processes sharing one
 * backend (Redis) see one count.
 */
export interface RiskWindowStore {
  /** Applies each op (trim, optional add) and returns each window's distinct member count. */
  slide(ops: WindowOp[], now: number): Promise<number[]>;
  /**
   * Counts one event in the bucket holding `now` and returns the counts of the last `history`
   * buckets, oldest first; the last entry is the current (partial) bucket.
   */
  bucket(key: string, now: number, bucketMs: number, history: number): Promise<number[]>;
  close(): Promise<void>;
}

export interface ScoreOptions {
  store: RiskWindowStore;
  config: RiskConfig;
  /** Epoch milliseconds; the scorer never reads the clock itself. */
  now: number;
  /** The source whose volume the spike chart follows; the provider by default. */
  source?: string;
}

export type { PaymentEvent };
