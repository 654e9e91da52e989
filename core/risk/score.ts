import type { EventKind, PaymentEvent } from '../event';
import { ewmaSpike } from './ewma';
import { priorityFor, thresholdFor } from './priority';
import type { RiskAssessment, RiskLane, RiskRules, RiskSignal, Rule, ScoreOptions, WindowOp } from './types';

/** Kinds that are a payment attempt: only these move the velocity windows. */
const ATTEMPT_KINDS: ReadonlySet<EventKind> = new Set([
  'payment.succeeded',
  'payment.failed',
  'payment.pending',
  'invoice.paid',
  'invoice.payment_failed',
  'checkout.completed',
]);
const DECLINE_KINDS: ReadonlySet<EventKind> = new Set(['payment.failed', 'invoice.payment_failed']);

/** Who an attempt is counted against. */
interface Entity {
  id: 'card' | 'ip' | 'customer' | 'email';
  label: string;
  value: string;
}

function entitiesOf(event: PaymentEvent): Entity[] {
  const candidates: Array<[Entity['id'], string, string | undefined]> = [
    ['card', 'this card', event.risk?.cardFingerprint],
    ['ip', 'this IP address', event.risk?.ip],
    ['customer', 'this customer', event.customer?.id],
    ['email', 'this email address', event.customer?.email?.trim().toLowerCase()],
  ];
  return candidates.filter(([, , value]) => value).map(([id, label, value]) => ({ id, label, value: value! }));
}

/** What a signal measured: its id, its label and the value compared with the rule's limit. */
type Measured = Pick<RiskSignal, 'id' | 'label' | 'value'>;

function measure({ id, label, value }: Measured, rule: Rule): RiskSignal {
  const fired = value >= rule.limit;
  return { id, label, value, limit: rule.limit, weight: rule.weight, fired, points: fired ? rule.weight : 0 };
}

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * Scores one event with explainable signals. Each signal carries its value, limit and weight;
 * the score adds the points of fired signals, counting each kind of signal once (its strongest
 * entity), so one burst seen by IP and by customer is not counted twice. Score bands pick
 * review or block; otherwise a high amount picks the priority lane.
 */
export async function scoreEvent(event: PaymentEvent, options: ScoreOptions): Promise<RiskAssessment> {
  const { rules, amounts } = options.config;
  const signals: RiskSignal[] = [];

  const highValue = event.amount && thresholdFor(amounts.highValue, event.amount.currency);
  if (event.amount && highValue !== undefined) {
    // Reported for the record; it picks the lane, it adds no risk points.
    signals.push(measure({ id: 'amount.high', label: 'Amount at or above the high-value threshold', value: event.amount.minor }, { limit: highValue, weight: 0 }));
  }
  // Independent windows, asked together: a shared store answers both in one round trip.
  const [velocity, spike] = await Promise.all([
    ATTEMPT_KINDS.has(event.kind) ? velocitySignals(event, options) : [],
    spikeSignal(event, options),
  ]);
  signals.push(...velocity);
  if (event.risk?.providerScore !== undefined) {
    signals.push(measure({ id: 'provider.score', label: "The gateway's own risk score", value: event.risk.providerScore }, rules.providerScore));
  }
  signals.push(...spike);

  const strongest = new Map<string, RiskSignal>();
  for (const signal of signals.filter((s) => s.fired && s.points > 0)) {
    const family = signal.id.split('.')[0];
    if ((strongest.get(family)?.points ?? -1) < signal.points) strongest.set(family, signal);
  }
  const score = Math.min(100, [...strongest.values()].reduce((sum, s) => sum + s.points, 0));
  const reasons = signals
    .filter((s) => s.fired)
    .sort((a, b) => b.points - a.points)
    .map((s) => `${s.label}: ${s.value} (limit ${s.limit})`);
  return { lane: laneFor(score, rules, priorityFor(event, amounts)), score, reasons, signals };
}

function laneFor(score: number, rules: RiskRules, byAmount: RiskLane): RiskLane {
  if (score >= rules.lanes.block) return 'block';
  if (score >= rules.lanes.review) return 'review';
  return byAmount;
}

async function velocitySignals(event: PaymentEvent, options: ScoreOptions): Promise<RiskSignal[]> {
  const { rules, amounts } = options.config;
  const { windowMs } = rules;
  const declined = DECLINE_KINDS.has(event.kind);
  const smallLimit = event.amount && thresholdFor(amounts.small, event.amount.currency);
  const small = smallLimit !== undefined && event.amount !== undefined && event.amount.minor <= smallLimit;
  const card = event.risk?.cardFingerprint;
  const member = event.idempotencyKey;

  const entities = entitiesOf(event);
  const ops: WindowOp[] = [];
  for (const { id, value } of entities) {
    const key = `${id}:${value}`;
    // Declines, small amounts and cards are each seen with an attempt, so their windows are the attempts' subsets.
    const subsetOf = ops.length;
    ops.push({ key: `att:${key}`, windowMs, member });
    ops.push({ key: `dec:${key}`, windowMs, member: declined ? member : undefined, subsetOf });
    ops.push({ key: `small:${key}`, windowMs, member: small ? member : undefined, subsetOf });
    if (id === 'ip' || id === 'customer') ops.push({ key: `cards:${key}`, windowMs, member: card, subsetOf });
  }
  const counts = await options.store.slide(ops, options.now);

  const signals: RiskSignal[] = [];
  const span = minutes(windowMs);
  let next = 0;
  for (const { id, label } of entities) {
    const attempts = counts[next++];
    const declines = counts[next++];
    const smalls = counts[next++];
    signals.push(measure({ id: `attempts.${id}`, label: `Payment attempts from ${label} in ${span}`, value: attempts }, rules.attempts));
    signals.push(measure({ id: `declines.${id}`, label: `Declined attempts from ${label} in ${span}`, value: declines }, rules.declines));
    if (attempts >= rules.declineRatio.minAttempts) {
      signals.push(measure({ id: `declineRatio.${id}`, label: `Share of declined attempts from ${label} in ${span}`, value: ratio(declines, attempts) }, rules.declineRatio));
    }
    if (smallLimit !== undefined && attempts >= rules.smallShare.minAttempts) {
      signals.push(measure({ id: `smallShare.${id}`, label: `Share of small amounts from ${label} in ${span}`, value: ratio(smalls, attempts) }, rules.smallShare));
    }
    if (id === 'ip' || id === 'customer') {
      signals.push(measure({ id: `distinctCards.${id}`, label: `Different cards used by ${label} in ${span}`, value: counts[next++] }, rules.distinctCards));
    }
  }
  return signals;
}

async function spikeSignal(event: PaymentEvent, options: ScoreOptions): Promise<RiskSignal[]> {
  const rule = options.config.rules.spike;
  const source = options.source ?? event.provider;
  const counts = await options.store.bucket(`vol:${source}`, options.now, rule.bucketMs, rule.history);
  const reading = ewmaSpike(counts, rule);
  if (!reading.evaluated) return [];
  const label = `Events from ${source} in this ${minutes(rule.bucketMs)} (usual about ${Math.round(reading.baseline)})`;
  return [
    {
      id: 'spike.source',
      label,
      value: reading.current,
      limit: Math.floor(reading.limit) + 1,
      weight: rule.weight,
      fired: reading.spike,
      points: reading.spike ? rule.weight : 0,
    },
  ];
}

function ratio(part: number, whole: number): number {
  return Math.round((part / whole) * 100) / 100;
}
