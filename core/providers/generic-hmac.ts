/**
 * Generic HMAC, for a gateway without its own provider whose scheme is "an HMAC of some bytes
 * in a header". Everything is configured on the source:
 *
 * - `header` (required): the signature header; `prefix` (e.g. `sha256=`) before the value.
 * - `algorithm`: sha1 | sha256 (default) | sha512; `encoding`: hex (default) | base64.
 * - `template`: the signed bytes, default `{body}`; `{timestamp}` is the `timestampHeader`
 *   value, `{id}` the event id (from `idHeader`, else `idPath` in the body), e.g.
 *   `{timestamp}.{body}` or `{id}.{timestamp}.{body}`.
 * - `timestampHeader` with `toleranceSeconds` (default 300): unix seconds (or milliseconds),
 *   refused outside the window in both directions.
 * - `idPath`, `typePath`: dot paths into the JSON body (defaults `id`, `type`); `idHeader`
 *   when the id travels in a header; `kindMap`: `{ "<type>": "<EventKind>" }`.
 *
 * Without an id anywhere, the id is derived as the SHA-256 hex of the raw body, so a retried
 * delivery of the same bytes deduplicates.
 *
 * Every part that decides what an event is must be signed: the template must include {body},
 * an `idHeader` needs {id} in the template and a `timestampHeader` needs {timestamp}, or the
 * source is refused as misconfigured (at `config check` and on every request).
 */
import { randomUUID } from 'node:crypto';
import { EVENT_KINDS, type EventKind } from '../event';
import {
  checkTimestamp,
  header,
  refuse,
  toleranceSeconds,
  verifyHeaderHmac,
  type HeaderHmacScheme,
  type HmacAlgorithm,
  type SignatureEncoding,
} from './crypto';
import { signHeaderHmac } from './header-hmac';
import { bodyDigest, canonicalEvent, compact, isoTime, malformedBody, parseJsonObject, pickString, type JsonObject } from './payload';
import type { Provider, Refusal, SourceConfig, WebhookRequest, ProviderSettings } from './types';
import { tolerance, secretSetting } from './settings';

const ALGORITHMS: readonly HmacAlgorithm[] = ['sha1', 'sha256', 'sha512'];
const ENCODINGS: readonly SignatureEncoding[] = ['hex', 'base64'];
const PLACEHOLDER = /(\{body\}|\{timestamp\}|\{id\})/;

export interface GenericHmacSettings {
  scheme: HeaderHmacScheme;
  template: string;
  timestampHeader?: string;
  toleranceSeconds: number;
  idHeader?: string;
  idPath: string;
  typePath: string;
  kindMap: Readonly<Record<string, EventKind>>;
}

function optionalText(config: SourceConfig, field: string): string | undefined {
  const value = config[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads and checks a source's generic-hmac fields; a problem is named for `config check`. */
export function genericHmacSettings(config: SourceConfig): { ok: true; settings: GenericHmacSettings } | { ok: false; problem: string } {
  const headerName = optionalText(config, 'header');
  if (headerName === undefined) return { ok: false, problem: '`header` (the signature header) is required' };
  const algorithm = optionalText(config, 'algorithm') ?? 'sha256';
  if (!(ALGORITHMS as readonly string[]).includes(algorithm)) return { ok: false, problem: `\`algorithm\` must be one of ${ALGORITHMS.join(', ')}` };
  const encoding = optionalText(config, 'encoding') ?? 'hex';
  if (!(ENCODINGS as readonly string[]).includes(encoding)) return { ok: false, problem: `\`encoding\` must be one of ${ENCODINGS.join(', ')}` };
  const template = optionalText(config, 'template') ?? '{body}';
  const timestampHeader = optionalText(config, 'timestampHeader');
  if (template.includes('{timestamp}') && timestampHeader === undefined) {
    return { ok: false, problem: '`template` uses {timestamp}, so `timestampHeader` is required' };
  }
  // Whatever the template leaves out is unsigned, and a captured request could be resent with it changed.
  if (!template.includes('{body}')) return { ok: false, problem: '`template` must include {body}, or the body is not signed' };
  const idHeader = optionalText(config, 'idHeader');
  if (idHeader !== undefined && !template.includes('{id}')) {
    return {
      ok: false,
      problem: '`idHeader` is set but `template` has no {id}: the id header would be unsigned and choose the event id; add {id} to `template`, or drop `idHeader` to read the id from the signed body (`idPath`)',
    };
  }
  if (timestampHeader !== undefined && !template.includes('{timestamp}')) {
    return {
      ok: false,
      problem: '`timestampHeader` is set but `template` has no {timestamp}: an unsigned timestamp stops no replay; add {timestamp} to `template`, or drop `timestampHeader`',
    };
  }
  const kindMap = config.kindMap ?? {};
  if (kindMap === null || typeof kindMap !== 'object' || Array.isArray(kindMap)) return { ok: false, problem: '`kindMap` must map types to event kinds' };
  for (const [type, kind] of Object.entries(kindMap)) {
    if (!(EVENT_KINDS as readonly unknown[]).includes(kind)) return { ok: false, problem: `\`kindMap.${type}\` is not an event kind` };
  }
  return {
    ok: true,
    settings: {
      scheme: { headers: [headerName], algorithm: algorithm as HmacAlgorithm, encoding: encoding as SignatureEncoding, prefix: optionalText(config, 'prefix') },
      template,
      timestampHeader,
      toleranceSeconds: toleranceSeconds(config),
      idHeader,
      idPath: optionalText(config, 'idPath') ?? 'id',
      typePath: optionalText(config, 'typePath') ?? 'type',
      kindMap: kindMap as Record<string, EventKind>,
    },
  };
}

function atPath(body: unknown, path: string): string | undefined {
  return pickString(body, ...path.split('.'));
}

function bodyObject(rawBody: Buffer): JsonObject | undefined {
  const parsed = parseJsonObject(rawBody);
  return parsed.ok ? parsed.value : undefined;
}

/** The event id: the id header, else the id path in the body. */
function eventId(request: WebhookRequest, settings: GenericHmacSettings, body: JsonObject | undefined): string | undefined {
  if (settings.idHeader !== undefined) return header(request.headers, settings.idHeader);
  return atPath(body, settings.idPath);
}

/** The signed bytes: the template with each placeholder replaced, the body byte for byte. */
function renderTemplate(template: string, values: { body: Buffer; timestamp?: string; id?: string }): Buffer | string {
  const parts: Buffer[] = [];
  for (const part of template.split(PLACEHOLDER)) {
    if (part === '{body}') parts.push(values.body);
    else if (part === '{timestamp}' || part === '{id}') {
      const value = part === '{id}' ? values.id : values.timestamp;
      if (value === undefined) return part;
      parts.push(Buffer.from(value, 'utf8'));
    } else parts.push(Buffer.from(part, 'utf8'));
  }
  return Buffer.concat(parts);
}

function timestampSeconds(value: string): number {
  if (!/^\d{1,16}$/.test(value.trim())) return Number.NaN;
  const number = Number(value.trim());
  return number > 1e12 ? number / 1000 : number;
}

function misconfigured(problem: string): Refusal {
  return refuse('missing_secret', `this generic-hmac source is misconfigured: ${problem}`);
}

/** This gateway's settings: the credential form, the runtime's config check and the docs are built from them. */
const SETTINGS: ProviderSettings = {
  secret: secretSetting('Secret', 'The shared secret the sender signs with'),
  fields: [
    { name: 'header', displayName: 'Signature Header', type: 'string', default: 'X-Signature', required: true, description: 'The request header that carries the signature' },
    { name: 'prefix', displayName: 'Signature Prefix', type: 'string', default: '', placeholder: 'sha256=', description: 'Text before the signature in the header, if any' },
    {
      name: 'algorithm',
      displayName: 'Algorithm',
      type: 'options',
      default: 'sha256',
      options: [
        { name: 'HMAC-SHA1', value: 'sha1' },
        { name: 'HMAC-SHA256', value: 'sha256' },
        { name: 'HMAC-SHA512', value: 'sha512' },
      ],
      description: 'The hash the sender uses',
    },
    {
      name: 'encoding',
      displayName: 'Signature Encoding',
      type: 'options',
      default: 'hex',
      options: [
        { name: 'Hex', value: 'hex' },
        { name: 'Base64', value: 'base64' },
      ],
      description: 'How the signature is written in the header',
    },
    {
      name: 'template',
      displayName: 'Signed Content',
      type: 'string',
      default: '{body}',
      description:
        'What is signed: {body} is the raw request body, {timestamp} the timestamp header’s value, {id} the ID header’s value, e.g. {timestamp}.{body}. It must include {body}.',
    },
    {
      name: 'timestampHeader',
      displayName: 'Timestamp Header',
      type: 'string',
      default: '',
      description: 'Optional: the header carrying the signing time (Unix seconds); Signed Content must then include {timestamp}',
    },
    tolerance(300),
    { name: 'idPath', displayName: 'Event ID Field', type: 'string', default: 'id', description: 'Where the event ID is in the JSON body, e.g. id or data.event_id' },
    {
      name: 'idHeader',
      displayName: 'Event ID Header',
      type: 'string',
      default: '',
      description: 'Optional: the header carrying the event ID, instead of the Event ID Field; Signed Content must then include {id}',
    },
    { name: 'typePath', displayName: 'Event Type Field', type: 'string', default: 'type', description: 'Where the event type is in the JSON body, e.g. type or event' },
    {
      name: 'kindMap',
      displayName: 'Event Kinds',
      type: 'map',
      default: {},
      runtimeOnly: true,
      description: 'The sender’s event types mapped to event kinds, e.g. { "order.paid": "payment.succeeded" }',
    },
  ],
};

export const genericHmac: Provider = {
  id: 'generic-hmac',
  displayName: 'Generic HMAC',
  settings: SETTINGS,

  async verify(request, config, context) {
    const read = genericHmacSettings(config);
    if (!read.ok) return misconfigured(read.problem);
    const settings = read.settings;
    let timestamp: string | undefined;
    if (settings.timestampHeader !== undefined) {
      timestamp = header(request.headers, settings.timestampHeader);
      if (timestamp === undefined) return refuse('missing_signature', `the ${settings.timestampHeader} header is absent`);
      if (Number.isNaN(timestampSeconds(timestamp))) return refuse('malformed_signature', `the ${settings.timestampHeader} header is not a unix time`);
    }
    const needsId = settings.template.includes('{id}');
    const id = needsId ? eventId(request, settings, bodyObject(request.rawBody)) : undefined;
    const signed = renderTemplate(settings.template, { body: request.rawBody, timestamp, id });
    if (!Buffer.isBuffer(signed)) {
      return refuse('malformed_signature', `the template's ${signed} has no value in this request (${settings.idHeader ?? settings.idPath})`);
    }
    const verified = verifyHeaderHmac({ scheme: settings.scheme, headers: request.headers, signedBytes: signed, secrets: config.secrets });
    // Checked after the signature, so a stale timestamp is only reported for a genuine request.
    if (!verified.ok || timestamp === undefined) return verified;
    const fresh = checkTimestamp(timestampSeconds(timestamp), context.now, settings.toleranceSeconds);
    return fresh.ok ? verified : fresh;
  },

  normalize(request, receivedAt, config) {
    // Only the payload fields matter here: the signature fields were verify's business.
    const read = genericHmacSettings({ header: 'unused', ...config, secrets: [] });
    if (!read.ok) return malformedBody(`this generic-hmac source is misconfigured: ${read.problem}`);
    const active = read.settings;
    const parsed = parseJsonObject(request.rawBody);
    if (!parsed.ok) return parsed;
    const body = parsed.value;
    const type = atPath(body, active.typePath) ?? 'unknown';
    const mapped = Object.prototype.hasOwnProperty.call(active.kindMap, type) ? active.kindMap[type] : undefined;
    const kind: EventKind = mapped ?? ((EVENT_KINDS as readonly string[]).includes(type) ? (type as EventKind) : 'other');
    const timestamp = active.timestampHeader === undefined ? undefined : header(request.headers, active.timestampHeader);
    return {
      ok: true,
      events: [
        canonicalEvent(
          compact({
            id: eventId(request, active, body) ?? bodyDigest(request.rawBody),
            provider: 'generic-hmac',
            type,
            kind,
            occurredAt: isoTime(timestamp === undefined ? undefined : timestampSeconds(timestamp), receivedAt),
            verification: 'signature' as const,
            raw: body,
          }),
          receivedAt,
        ),
      ],
    };
  },

  sign(body, config, now) {
    const read = genericHmacSettings(config);
    if (!read.ok) throw new Error(`generic-hmac: ${read.problem}`);
    const settings = read.settings;
    const headers: Record<string, string> = {};
    const timestamp = String(Math.floor(now.getTime() / 1000));
    if (settings.timestampHeader !== undefined) headers[settings.timestampHeader.toLowerCase()] = timestamp;
    let id: string | undefined;
    if (settings.idHeader !== undefined) {
      id = `msg_${randomUUID()}`;
      headers[settings.idHeader.toLowerCase()] = id;
    } else {
      id = atPath(bodyObject(body), settings.idPath);
    }
    const signed = renderTemplate(settings.template, { body, timestamp, id });
    if (!Buffer.isBuffer(signed)) throw new Error(`generic-hmac: the body has no value for ${signed}`);
    return signHeaderHmac({ scheme: settings.scheme, providerId: 'generic-hmac', body, config, signedBytes: signed, headers });
  },

  example(kind, now) {
    return Buffer.from(
      JSON.stringify({ id: `evt_${now.getTime().toString(36)}`, type: kind, created_at: now.toISOString(), data: { amount: 1000, currency: 'EUR' } }),
    );
  },
};

