import type { INodeProperties } from 'n8n-workflow';
import { DEFAULT_AMOUNTS, DEFAULT_RULES, formatCurrencyAmounts, type RiskLane, type RiskRules } from '../../core/risk';

/** One output per lane of core/risk's RISK_LANES, in that order: the item's lane decides which one it leaves by. */
export const OUTPUT_NAMES: Readonly<Record<RiskLane, string>> = {
  priority: 'Priority',
  standard: 'Standard',
  review: 'Review',
  block: 'Block',
};

/**
 * One fine-tuning field: which rule and field it sets, and the unit people type it in
 * (minutes for windows, percent for shares), so the form and the reading share one table.
 */
interface Tuning {
  option: string;
  displayName: string;
  rule: keyof RiskRules;
  field: string;
  /** The stored value is the typed value times this (60 000 for minutes, 0.01 for percent). */
  scale?: number;
  /** Decimal places the form allows; whole numbers when absent. */
  precision?: number;
  /** Bounds the form enforces; 0 and unbounded when absent. */
  min?: number;
  max?: number;
  description: string;
}

const MINUTES = 60_000;
const PERCENT = 0.01;

export const TUNINGS: Tuning[] = [
  { option: 'windowMinutes', displayName: 'Counting Window (Minutes)', rule: 'windowMs', field: '', scale: MINUTES, min: 1, description: 'How far back attempts, declines and cards are counted' },
  { option: 'attemptsLimit', displayName: 'Attempts Limit', rule: 'attempts', field: 'limit', description: 'Payment attempts from one card, IP address, customer or email within the window that count as suspicious' },
  { option: 'attemptsWeight', displayName: 'Attempts Points', rule: 'attempts', field: 'weight', description: 'Points added when the attempts limit is reached' },
  { option: 'declinesLimit', displayName: 'Declines Limit', rule: 'declines', field: 'limit', description: 'Declined attempts from one card, IP address, customer or email within the window that count as suspicious' },
  { option: 'declinesWeight', displayName: 'Declines Points', rule: 'declines', field: 'weight', description: 'Points added when the declines limit is reached' },
  { option: 'declineRatioPercent', displayName: 'Decline Share Limit (%)', rule: 'declineRatio', field: 'limit', scale: PERCENT, description: 'Share of declined attempts that counts as suspicious' },
  { option: 'declineRatioMinAttempts', displayName: 'Decline Share Needs at Least (Attempts)', rule: 'declineRatio', field: 'minAttempts', description: 'The decline share is only judged after this many attempts, so one decline out of one is not 100%' },
  { option: 'declineRatioWeight', displayName: 'Decline Share Points', rule: 'declineRatio', field: 'weight', description: 'Points added when the decline share limit is reached' },
  { option: 'smallSharePercent', displayName: 'Small Amounts Share Limit (%)', rule: 'smallShare', field: 'limit', scale: PERCENT, description: 'Share of small attempts (card testing) that counts as suspicious' },
  { option: 'smallShareMinAttempts', displayName: 'Small Amounts Share Needs at Least (Attempts)', rule: 'smallShare', field: 'minAttempts', description: 'The small-amount share is only judged after this many attempts' },
  { option: 'smallShareWeight', displayName: 'Small Amounts Share Points', rule: 'smallShare', field: 'weight', description: 'Points added when the small-amount share limit is reached' },
  { option: 'distinctCardsLimit', displayName: 'Different Cards Limit', rule: 'distinctCards', field: 'limit', description: 'Different cards used from one IP address or by one customer within the window that count as suspicious' },
  { option: 'distinctCardsWeight', displayName: 'Different Cards Points', rule: 'distinctCards', field: 'weight', description: 'Points added when the different-cards limit is reached' },
  { option: 'providerScoreLimit', displayName: 'Gateway Risk Score Limit', rule: 'providerScore', field: 'limit', description: "The gateway's own risk score (0-100) from which an event counts as risky" },
  { option: 'providerScoreWeight', displayName: 'Gateway Risk Score Points', rule: 'providerScore', field: 'weight', description: "Points added when the gateway's risk score reaches its limit" },
  { option: 'spikeLambda', displayName: 'Spike Smoothing (λ)', rule: 'spike', field: 'lambda', precision: 2, min: 0.01, max: 1, description: 'Between 0 and 1: higher follows recent minutes more closely, lower keeps a longer memory of normal volume' },
  { option: 'spikeK', displayName: 'Spike Sensitivity (K)', rule: 'spike', field: 'k', precision: 2, description: 'How many standard deviations above normal volume is a spike: lower catches smaller spikes' },
  { option: 'spikeBucketMinutes', displayName: 'Spike Bucket (Minutes)', rule: 'spike', field: 'bucketMs', scale: MINUTES, min: 1, description: 'Volume is counted per bucket of this length' },
  { option: 'spikeWeight', displayName: 'Spike Points', rule: 'spike', field: 'weight', description: 'Points added while volume from the source is spiking' },
  { option: 'reviewScore', displayName: 'Review From Score', rule: 'lanes', field: 'review', description: 'Events with at least this score go to the Review output' },
  { option: 'blockScore', displayName: 'Block From Score', rule: 'lanes', field: 'block', description: 'Events with at least this score go to the Block output' },
];

/** The default of a tuning field, in the unit people type. */
export function tuningDefault(tuning: Tuning): number {
  const rule = DEFAULT_RULES[tuning.rule] as unknown;
  const stored = (tuning.field ? (rule as Record<string, number>)[tuning.field] : rule) as number;
  return Math.round((stored / (tuning.scale ?? 1)) * 1000) / 1000;
}

export const riskProperties: INodeProperties[] = [
  {
    displayName: 'Each event leaves by one output: Priority (high value), Standard, Review or Block. Every item carries _risk with its score and the reasons.',
    name: 'notice',
    type: 'notice',
    default: '',
  },
  {
    displayName: 'Event',
    name: 'event',
    type: 'json',
    default: '={{ $json }}',
    required: true,
    description: 'The payment event to score, as the Payment Webhook Trigger outputs it',
  },
  {
    displayName: 'High-Value Amounts',
    name: 'highValue',
    type: 'string',
    default: formatCurrencyAmounts(DEFAULT_AMOUNTS.highValue),
    placeholder: 'USD 1000, EUR 1000',
    description: 'Per currency, in the main unit: payments of at least this amount go to the Priority output. Currencies not listed are not judged by amount.',
  },
  {
    displayName: 'Small Amounts (Card Testing)',
    name: 'smallAmounts',
    type: 'string',
    default: formatCurrencyAmounts(DEFAULT_AMOUNTS.small ?? {}),
    placeholder: 'USD 2, EUR 2',
    description: 'Per currency, in the main unit: attempts of at most this amount count as small. Many small attempts are how stolen cards are tested.',
  },
  {
    displayName: 'Volume Source',
    name: 'source',
    type: 'string',
    default: '={{ $json.provider }}',
    description: 'Whose volume is watched for spikes; the gateway by default',
  },
  {
    displayName: 'Fine-Tuning',
    name: 'tuning',
    type: 'collection',
    placeholder: 'Change a Limit',
    default: {},
    options: TUNINGS.map((tuning) => ({
      displayName: tuning.displayName,
      name: tuning.option,
      type: 'number' as const,
      default: tuningDefault(tuning),
      typeOptions: {
        minValue: tuning.min ?? 0,
        ...(tuning.max !== undefined ? { maxValue: tuning.max } : {}),
        ...(tuning.precision ? { numberPrecision: tuning.precision } : {}),
      },
      description: tuning.description,
    })).sort((a, b) => a.displayName.localeCompare(b.displayName)),
  },
];
