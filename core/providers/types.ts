import type { PaymentEvent } from '../event';

/** Header values as Node's http module gives them; names are matched case-insensitively. */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** A webhook request exactly as it arrived: the body's bytes are never re-serialized. */
export interface WebhookRequest {
  rawBody: Buffer;
  headers: HeaderMap;
}

/**
 * One gateway endpoint's settings, with the same field names as the runtime's
 * `sources[]` entries and the node credentials (see docs/providers.md).
 */
export interface SourceConfig {
  /** One or more secrets: every one is tried, so a rotation never drops an event. */
  secrets: string[];
  toleranceSeconds?: number;
  /** Provider-specific fields: notificationUrl, webhookId, publicKey, apiKey, header, ... */
  [field: string]: unknown;
}

export type RefusalReason =
  | 'missing_secret'
  | 'missing_signature'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'timestamp_outside_tolerance'
  | 'unknown_key'
  | 'body_unreadable'
  | 'certificate_invalid'
  /** The gateway's API answered that the event is not what the request claims (or could not be read). */
  | 'confirm_failed'
  /** The gateway's API could not be asked (no answer, 5xx, 429): asking again later may succeed. */
  | 'confirm_unavailable';

export type Refusal = {
  ok: false;
  reason: RefusalReason;
  /** A diagnosis for the log: never contains a secret or a signature. */
  detail: string;
};

export type VerifyResult = { ok: true; keyIndex?: number } | Refusal;

export type NormalizeResult =
  | { ok: true; events: PaymentEvent[] }
  | { ok: false; reason: 'malformed_body'; detail: string };

export type ConfirmResult = { ok: true; event: PaymentEvent } | Refusal;

/** What a provider may reach outside itself; injected so tests run on loopback. */
export interface ProviderContext {
  now: Date;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface SignedRequest {
  body: Buffer;
  headers: Record<string, string>;
}

export interface Provider {
  /** The id used in config and credentials: `stripe`, `adyen`, ... */
  readonly id: string;
  readonly displayName: string;
  /** Its settings as data: the credential form, the runtime's config check and the docs tables come from them. */
  readonly settings: ProviderSettings;
  verify(request: WebhookRequest, config: SourceConfig, context: ProviderContext): Promise<VerifyResult>;
  /**
   * One or more canonical events: GoCardless and Adyen batch several in one request. `config`
   * is optional and read only by providers whose payload layout is configured (generic-hmac).
   */
  normalize(request: WebhookRequest, receivedAt: Date, config?: SourceConfig): NormalizeResult;
  /** For gateways whose webhook is only a signal: fetch the object and return the confirmed event. */
  confirm?(event: PaymentEvent, config: SourceConfig, context: ProviderContext): Promise<ConfirmResult>;
  /**
   * Signs a body the way the gateway does, for `send-test-event`. Absent for gateways
   * whose scheme needs the gateway's own private key (PayPal).
   */
  sign?(body: Buffer, config: SourceConfig, now: Date): SignedRequest;
  /** A realistic payload of the given kind, for `send-test-event`. */
  example?(kind: import('../event').EventKind, now: Date): Buffer;
}

/* A gateway's settings as data (helpers in settings.ts). */

interface SettingBase {
  /** The SourceConfig field this value becomes (the runtime's `sources[]` key). */
  name: string;
  displayName: string;
  description: string;
  required?: boolean;
  /** Applies only while another field of the same gateway has one of these values. */
  showWhen?: { field: string; values: string[] };
  /** Set in the runtime's config only: the n8n credential form has no field for it. */
  runtimeOnly?: boolean;
}

export type ProviderSetting = SettingBase &
  (
    | {
        type: 'string';
        default: string;
        password?: boolean;
        placeholder?: string;
        /** `url`: an http(s) URL, checked as one by the runtime's config check. */
        format?: 'url';
      }
    | { type: 'number'; default: number; min?: number }
    | { type: 'boolean'; default: boolean }
    | {
        type: 'options';
        default: string;
        options: Array<{ name: string; value: string }>;
      }
    /** A JSON object of string values (generic-hmac's kindMap). */
    | { type: 'map'; default: Record<string, string> }
  );

/** How the gateway names its signing secret; null when it signs with no shared secret (PayPal). */
export type SecretSetting = {
  displayName: string;
  description: string;
  placeholder?: string;
  optional?: boolean;
} | null;

export interface ProviderSettings {
  secret: SecretSetting;
  fields: ProviderSetting[];
}
