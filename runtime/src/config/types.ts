import type { EventKind } from '../../../core/event';
import type { AlertsConfig } from '../alerts/config';
import type { RiskConfig } from '../../../core/risk/types';
import type { SourceConfig } from '../../../core/providers/types';

export interface ListenConfig {
  host: string;
  port: number;
  /** PEM file paths; when set the listener speaks HTTPS. */
  tls?: { cert: string; key: string };
}

export interface LimitsConfig {
  /** Largest accepted webhook body; larger requests get 413. */
  bodyBytes: number;
  /** A client must finish sending its headers within this time. */
  headersTimeoutMs: number;
  /** A client must finish sending the whole request within this time. */
  requestTimeoutMs: number;
  /** Longest wait for a durable write before answering 503. */
  storeTimeoutMs: number;
  /** Webhook requests a second one client address may send on average (more get 429). */
  perAddressPerSecond: number;
  /** Requests one address may send at once before the average applies. */
  perAddressBurst: number;
}

/**
 * The operators' endpoints: the status page with its data, the metrics and the admin API.
 * Reading the data and the metrics touches storage, so they are rate-limited per address.
 */
export interface OpsConfig {
  /** A listener of their own (plain HTTP); absent, the webhook listener serves them. */
  listen?: { host: string; port: number };
  /** `token`: /status/data and /metrics need `admin.token` too; `none` (default): anyone who reaches the port. */
  auth: 'none' | 'token';
  /** Reads of /status/data and /metrics one client address may make a second on average, and at once. */
  perAddressPerSecond: number;
  perAddressBurst: number;
}

export interface SourceEntry extends SourceConfig {
  name: string;
  provider: string;
}

export interface DestinationConfig {
  name: string;
  url: string;
  /** Standard Webhooks secret (`whsec_…`) signing each delivery. */
  signingSecret: string;
  /** Event kinds delivered here; `*` for all. */
  kinds: Array<EventKind | '*'>;
  /** Deliveries in flight to this destination at once, per worker process. */
  concurrency: number;
  timeoutMs: number;
}

export interface RetryConfig {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface RuntimeConfig {
  listen: ListenConfig;
  /** `sqlite:PATH` (embedded default) or `redis://…`. */
  storage: string;
  limits: LimitsConfig;
  sources: SourceEntry[];
  destinations: DestinationConfig[];
  retry: RetryConfig;
  deadLetter?: { url: string; signingSecret?: string };
  admin?: { token: string };
  ops: OpsConfig;
  /** Where alerts are posted, and their thresholds (runtime/src/alerts). */
  alerts?: AlertsConfig;
  /** core/risk's amounts and rules (its defaults where absent): they choose each event's lane. */
  risk: RiskConfig;
  log: { level: string };
}
