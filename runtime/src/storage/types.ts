import type { PaymentEvent } from '../../../core/event';
import type { CountingDeadLetterStore } from '../../../core/deadletter/types';
import type { IdempotencyStore } from '../../../core/idempotency/types';
import type { DeliveryLane, RiskWindowStore } from '../../../core/risk/types';

/** The delivery lanes, most urgent first; the list is core/risk's. */
export { DELIVERY_LANES as LANES } from '../../../core/risk/types';
export type Lane = DeliveryLane;

export type AcceptOutcome = 'accepted' | 'duplicate';

/** What every delivery attempt reads of its event: its key (the delivery's id), gateway, kind and time (logs, metrics). */
export type EventFacts = Pick<PaymentEvent, 'idempotencyKey' | 'provider' | 'kind' | 'occurredAt'>;

/** One delivery of one event to one destination. */
export interface DeliveryJob {
  /** The whole event (a storage that keeps it as text may parse it only when it is read: a dead letter keeps it). */
  event: PaymentEvent;
  /** The event's JSON as stored, when the storage keeps it as text: the delivery's body as it is, never parsed and serialized again on the way. */
  body?: string;
  /** What the attempt reads of the event, when the storage has it without parsing the event. */
  facts?: EventFacts;
  destination: string;
  lane: Lane;
  /** 1 on the first attempt. */
  attempt: number;
}

/**
 * What the handler decided: `done` (delivered, or dead-lettered by the handler, which writes
 * the dead letter before answering), or `retry` after a delay.
 */
export type DeliveryOutcome = { status: 'done' } | { status: 'retry'; delayMs: number; error: string };

export type DeliveryHandler = (job: DeliveryJob) => Promise<DeliveryOutcome>;

export interface ConsumeOptions {
  /** Destinations this process delivers to, with the most deliveries in flight to each. */
  concurrency: Record<string, number>;
  handler: DeliveryHandler;
  /** A consumer loop that stopped on its own (its Redis connection failed while consuming). */
  onError?: (error: Error, destination: string) => void;
}

/** Deliveries not finished yet for one destination and lane (metrics, status page). */
export interface QueueStat {
  destination: string;
  lane: Lane;
  /** Waiting, scheduled for a retry, or in flight. */
  depth: number;
  /** Epoch ms when the oldest of them was stored; absent when depth is 0. */
  oldestStoredAt?: number;
}

/** A stored event with where its deliveries stand (insights). */
export interface StoredEvent {
  event: PaymentEvent;
  storedAt: number;
  /** Some delivery of it is still waiting or in flight. */
  pending: boolean;
}

/**
 * The runtime's storage, one interface over SQLite (embedded) and Redis (shared).
 * Enqueueing is idempotent per (event, destination): a job that exists is not added twice,
 * so a crash between storing and acknowledging never duplicates work.
 */
export interface RuntimeStorage {
  readonly kind: 'sqlite' | 'redis';
  readonly idempotency: IdempotencyStore;
  readonly deadLetters: CountingDeadLetterStore;
  /**
   * Ingress's write: `duplicate` when the event's idempotency key is already completed;
   * otherwise stores the event with one job per destination in the lane `chooseLane` picks,
   * completes the key, and resolves `accepted` only once all of that is durable. Rejects when
   * it cannot be. `chooseLane` is given the risk windows to count in, shared by every process
   * on this storage; a known duplicate never feeds them (SQLite asks only after its read, Redis
   * counts them in the claim's own script, which skips a completed key's).
   */
  accept(event: PaymentEvent, destinations: readonly string[], chooseLane: (windows: RiskWindowStore) => Promise<Lane>): Promise<AcceptOutcome>;
  /** Stores the event durably with one job per destination; resolves only once it is durable. */
  enqueue(event: PaymentEvent, destinations: readonly string[], lane: Lane): Promise<void>;
  /** Queues the event again for one destination (a dead-letter replay), bypassing deduplication. */
  requeue(event: PaymentEvent, destination: string, lane: Lane): Promise<void>;
  /** Starts handing jobs to the handler; leased jobs whose holder dies are handed out again. */
  consume(options: ConsumeOptions): Promise<void>;
  /** Stops taking jobs and waits for the handler calls in flight. */
  stopConsuming(): Promise<void>;
  /** Throws when the storage cannot be reached. */
  ping(): Promise<void>;
  /** Jobs waiting, delayed or in flight, all destinations together (what the tests and the bench check to know a queue is empty). */
  backlog(): Promise<number>;
  /** Per destination and lane: depth and the oldest waiting event. */
  queueStats(): Promise<QueueStat[]>;
  /** Events stored since an epoch ms, oldest first, for insights (SQLite: 7 days after delivery; Redis: a capped daily log of 8 days). */
  storedEvents(since: number): Promise<StoredEvent[]>;
  close(): Promise<void>;
}
