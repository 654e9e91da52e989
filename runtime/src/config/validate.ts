import { isIP } from 'node:net';
import { EVENT_KINDS } from '../../../core/event';
import { getProvider, providerIds, type Provider } from '../../../core/providers';
import { applies } from '../../../core/providers/settings';
import { genericHmac, genericHmacSettings } from '../../../core/providers/generic-hmac';
import { DEFAULT_RULES, riskConfig } from '../../../core/risk';
import { readAlertsConfig } from '../alerts/config';
import { readInteger } from './integer';
import { didYouMean } from './suggest';
import { placeholderRefusals } from './placeholders';
import type { DestinationConfig, OpsConfig, RuntimeConfig, SourceEntry } from './types';

/**
 * Validates a parsed config and fills defaults. Every error names its field, e.g.
 * `sources[1].provider: unknown provider "strpe"; did you mean "stripe"?`, and all
 * errors are collected so one run shows them all.
 */
export type Validation = { ok: true; config: RuntimeConfig } | { ok: false; errors: string[] };

const TOP_LEVEL = ['listen', 'storage', 'limits', 'sources', 'destinations', 'retry', 'deadLetter', 'admin', 'ops', 'alerts', 'risk', 'log'];
const OPS_AUTH: readonly string[] = ['none', 'token'];
const MIB = 1024 * 1024;
const NAME = /^[A-Za-z0-9._-]+$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;

type Json = Record<string, unknown>;

class Reader {
  readonly errors: string[] = [];

  object(value: unknown, path: string, required = false): Json | undefined {
    if (value === undefined || value === null) {
      if (required) this.errors.push(`${path}: is required`);
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.errors.push(`${path}: must be an object`);
      return undefined;
    }
    return value as Json;
  }

  keys(value: Json, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.errors.push(`${path ? `${path}.` : ''}${key}: unknown field${didYouMean(key, allowed)}`);
      }
    }
  }

  string(value: unknown, path: string, fallback?: string): string {
    if (value === undefined || value === null || value === '') {
      if (fallback === undefined) this.errors.push(`${path}: is required`);
      return fallback ?? '';
    }
    if (typeof value !== 'string') {
      this.errors.push(`${path}: must be a string`);
      return fallback ?? '';
    }
    return value;
  }

  integer(value: unknown, path: string, fallback: number, min = 0): number {
    return readInteger(value, { path, fallback, min, errors: this.errors });
  }

  /** A TCP port; 0 asks the system for any free one. */
  port(value: unknown, path: string, fallback: number): number {
    const port = this.integer(value, path, fallback);
    if (port > 65_535) {
      this.errors.push(`${path}: must be a port from 0 to 65535`);
      return fallback;
    }
    return port;
  }

  /** An IP address or a host name to listen on. */
  host(value: unknown, path: string, fallback: string): string {
    const text = this.string(value, path, fallback);
    if (isIP(text) === 0 && !HOST_NAME.test(text)) this.errors.push(`${path}: must be an IP address or a host name, got "${text.slice(0, 60)}"`);
    return text;
  }

  url(value: unknown, path: string): string {
    const text = this.string(value, path);
    if (!text) return text;
    try {
      const parsed = new URL(text);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
    } catch {
      this.errors.push(`${path}: must be an http or https URL`);
    }
    return text;
  }

  array(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.errors.push(`${path}: must be a list`);
      return [];
    }
    return value;
  }

  unique(names: string[], path: string): void {
    const seen = new Set<string>();
    names.forEach((name, index) => {
      if (seen.has(name)) this.errors.push(`${path}[${index}].name: "${name}" is used twice`);
      seen.add(name);
    });
  }
}

/**
 * A source's gateway fields, checked against what its provider accepts (core/providers: each
 * provider describes its settings as data): an unknown field is named with the closest one, a
 * required one left out is named, and each value has its setting's type.
 */
function readSourceSettings(read: Reader, entry: Json, source: SourceEntry, at: { path: string; provider: Provider }): void {
  const { path, provider } = at;
  const fields = provider.settings.fields;
  const accepted = ['name', 'provider', 'secrets', ...fields.map((field) => field.name)];
  for (const key of Object.keys(entry)) {
    if (accepted.includes(key)) continue;
    const hint = didYouMean(key, accepted) || `; a ${provider.id} source takes ${accepted.join(', ')}`;
    read.errors.push(`${path}.${key}: unknown field for a ${provider.id} source${hint}`);
  }
  for (const field of fields) {
    const value = entry[field.name];
    const where = `${path}.${field.name}`;
    if (value === undefined || value === null || value === '') {
      if (field.required && applies(field, entry)) read.errors.push(`${where}: is required for a ${provider.id} source (${field.description})`);
      continue;
    }
    switch (field.type) {
      case 'number':
        source[field.name] = read.integer(value, where, field.default, field.min ?? 0);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') read.errors.push(`${where}: must be true or false`);
        break;
      case 'options': {
        const values = field.options.map((option) => option.value);
        if (typeof value !== 'string' || !values.includes(value)) {
          read.errors.push(`${where}: must be one of ${values.join(', ')}${typeof value === 'string' ? didYouMean(value, values) : ''}`);
        }
        break;
      }
      case 'map':
        read.object(value, where);
        break;
      case 'string':
        if (field.format === 'url') read.url(value, where);
        else read.string(value, where);
        break;
    }
  }
}

function readSource(read: Reader, value: unknown, path: string): SourceEntry {
  const entry = read.object(value, path, true) ?? {};
  const name = read.string(entry.name, `${path}.name`);
  if (name && !NAME.test(name)) read.errors.push(`${path}.name: use letters, digits, ".", "_" or "-" (it becomes the URL path)`);
  const provider = read.string(entry.provider, `${path}.provider`);
  const known = providerIds();
  if (provider && !known.includes(provider)) {
    read.errors.push(`${path}.provider: unknown provider "${provider}"${didYouMean(provider, known)}`);
  }
  // A source's name is the namespace of its events' idempotency keys (core/event.ts inNamespace).
  if (name && provider && name !== provider && known.includes(name)) {
    read.errors.push(`${path}.name: "${name}" is another gateway's provider id, and a source's name is its events' key namespace: a ${provider} source named so could claim ${name}'s events; name it after its own gateway or anything else`);
  }
  const secrets = read.array(entry.secrets, `${path}.secrets`).map((secret, index) => read.string(secret, `${path}.secrets[${index}]`));
  const gateway = getProvider(provider);
  const source: SourceEntry = { ...entry, name, provider, secrets };
  if (gateway === undefined) return source;
  const { secret } = gateway.settings;
  if (secret && !secret.optional && secrets.length === 0) {
    read.errors.push(`${path}.secrets: a ${provider} source needs at least one (its ${secret.displayName}: ${secret.description})`);
  }
  const before = read.errors.length;
  readSourceSettings(read, entry, source, { path, provider: gateway });
  // The combination rules come after the fields are known good, so one mistake is reported once.
  if (provider === genericHmac.id && read.errors.length === before) {
    const settings = genericHmacSettings(source);
    if (!settings.ok) read.errors.push(`${path}: ${settings.problem}`);
  }
  return source;
}

function readDestination(read: Reader, value: unknown, path: string): DestinationConfig {
  const entry = read.object(value, path, true) ?? {};
  read.keys(entry, ['name', 'url', 'signingSecret', 'kinds', 'concurrency', 'timeoutMs'], path);
  const kinds = (entry.kinds === undefined ? ['*'] : read.array(entry.kinds, `${path}.kinds`)).map((kind, index) => {
    const text = read.string(kind, `${path}.kinds[${index}]`);
    const allowed: readonly string[] = ['*', ...EVENT_KINDS];
    if (text && !allowed.includes(text)) {
      read.errors.push(`${path}.kinds[${index}]: unknown event kind "${text}"${didYouMean(text, allowed)}`);
    }
    return text as DestinationConfig['kinds'][number];
  });
  const signingSecret = read.string(entry.signingSecret, `${path}.signingSecret`);
  if (signingSecret && !signingSecret.startsWith('whsec_')) {
    read.errors.push(`${path}.signingSecret: must be a Standard Webhooks secret starting with "whsec_"`);
  }
  return {
    name: read.string(entry.name, `${path}.name`),
    url: read.url(entry.url, `${path}.url`),
    signingSecret,
    kinds,
    concurrency: read.integer(entry.concurrency, `${path}.concurrency`, 32, 1),
    timeoutMs: read.integer(entry.timeoutMs, `${path}.timeoutMs`, 10_000, 1),
  };
}

function readRisk(read: Reader, value: unknown): RuntimeConfig['risk'] {
  const risk = read.object(value, 'risk') ?? {};
  read.keys(risk, ['amounts', 'rules'], 'risk');
  const amounts = read.object(risk.amounts, 'risk.amounts');
  if (amounts) read.keys(amounts, ['highValue', 'small'], 'risk.amounts');
  const rules = read.object(risk.rules, 'risk.rules');
  if (rules) read.keys(rules, Object.keys(DEFAULT_RULES), 'risk.rules');
  return riskConfig(risk as Parameters<typeof riskConfig>[0]);
}

function readOps(read: Reader, value: unknown): OpsConfig {
  const ops = read.object(value, 'ops') ?? {};
  read.keys(ops, ['listen', 'auth', 'perAddressPerSecond', 'perAddressBurst'], 'ops');
  const listen = read.object(ops.listen, 'ops.listen');
  if (listen) read.keys(listen, ['host', 'port'], 'ops.listen');
  const auth = read.string(ops.auth, 'ops.auth', 'none');
  if (!OPS_AUTH.includes(auth)) read.errors.push(`ops.auth: must be "none" or "token"${didYouMean(auth, OPS_AUTH)}`);
  return {
    ...(listen && {
      listen: { host: read.host(listen.host, 'ops.listen.host', '127.0.0.1'), port: read.port(listen.port, 'ops.listen.port', 9090) },
    }),
    auth: auth as OpsConfig['auth'],
    perAddressPerSecond: read.integer(ops.perAddressPerSecond, 'ops.perAddressPerSecond', 10, 1),
    perAddressBurst: read.integer(ops.perAddressBurst, 'ops.perAddressBurst', 20, 1),
  };
}

function readStorage(read: Reader, value: unknown): string {
  const storage = read.string(value, 'storage', 'sqlite:./data/payment-webhooks.db');
  if (!/^sqlite:.+/.test(storage) && !/^rediss?:\/\//.test(storage)) {
    read.errors.push(`storage: must be "sqlite:PATH" or a redis:// URL`);
  }
  return storage;
}

export function validateConfig(input: unknown): Validation {
  const read = new Reader();
  const root = read.object(input, '(root)', true) ?? {};
  read.keys(root, TOP_LEVEL, '');

  const listen = read.object(root.listen, 'listen') ?? {};
  read.keys(listen, ['host', 'port', 'tls'], 'listen');
  const tlsEntry = read.object(listen.tls, 'listen.tls');
  if (tlsEntry) read.keys(tlsEntry, ['cert', 'key'], 'listen.tls');

  const limits = read.object(root.limits, 'limits') ?? {};
  read.keys(limits, ['bodyBytes', 'headersTimeoutMs', 'requestTimeoutMs', 'storeTimeoutMs', 'perAddressPerSecond', 'perAddressBurst'], 'limits');

  const sources = read.array(root.sources, 'sources').map((entry, index) => readSource(read, entry, `sources[${index}]`));
  if (sources.length === 0) read.errors.push('sources: at least one source is required');
  read.unique(sources.map((source) => source.name), 'sources');

  const destinations = read
    .array(root.destinations, 'destinations')
    .map((entry, index) => readDestination(read, entry, `destinations[${index}]`));
  if (destinations.length === 0) read.errors.push('destinations: at least one destination is required');
  read.unique(destinations.map((destination) => destination.name), 'destinations');

  const retry = read.object(root.retry, 'retry') ?? {};
  read.keys(retry, ['maxAttempts', 'initialDelayMs', 'maxDelayMs'], 'retry');

  const deadLetter = read.object(root.deadLetter, 'deadLetter');
  if (deadLetter) read.keys(deadLetter, ['url', 'signingSecret'], 'deadLetter');
  const admin = read.object(root.admin, 'admin');
  if (admin) read.keys(admin, ['token'], 'admin');
  const alerts = readAlertsConfig(root.alerts);
  read.errors.push(...alerts.errors);
  const log = read.object(root.log, 'log') ?? {};
  read.keys(log, ['level'], 'log');

  const config: RuntimeConfig = {
    listen: {
      host: read.host(listen.host, 'listen.host', '127.0.0.1'),
      port: read.port(listen.port, 'listen.port', 8080),
      ...(tlsEntry && {
        tls: { cert: read.string(tlsEntry.cert, 'listen.tls.cert'), key: read.string(tlsEntry.key, 'listen.tls.key') },
      }),
    },
    storage: readStorage(read, root.storage),
    limits: {
      bodyBytes: read.integer(limits.bodyBytes, 'limits.bodyBytes', MIB, 1),
      headersTimeoutMs: read.integer(limits.headersTimeoutMs, 'limits.headersTimeoutMs', 10_000, 1),
      requestTimeoutMs: read.integer(limits.requestTimeoutMs, 'limits.requestTimeoutMs', 30_000, 1),
      storeTimeoutMs: read.integer(limits.storeTimeoutMs, 'limits.storeTimeoutMs', 5_000, 1),
      perAddressPerSecond: read.integer(limits.perAddressPerSecond, 'limits.perAddressPerSecond', 1_000, 1),
      perAddressBurst: read.integer(limits.perAddressBurst, 'limits.perAddressBurst', 2_000, 1),
    },
    sources,
    destinations,
    // Defaults: 26 attempts over at least 24 h (runtime/README's "Retry schedule"), so an n8n
    // outage of a day dead-letters nothing; the gateways themselves retry for days.
    retry: {
      maxAttempts: read.integer(retry.maxAttempts, 'retry.maxAttempts', 26, 1),
      initialDelayMs: read.integer(retry.initialDelayMs, 'retry.initialDelayMs', 10_000, 0),
      maxDelayMs: read.integer(retry.maxDelayMs, 'retry.maxDelayMs', 7_200_000, 0),
    },
    ...(deadLetter && {
      deadLetter: {
        url: read.url(deadLetter.url, 'deadLetter.url'),
        ...(deadLetter.signingSecret !== undefined && {
          signingSecret: read.string(deadLetter.signingSecret, 'deadLetter.signingSecret'),
        }),
      },
    }),
    ...(admin && { admin: { token: read.string(admin.token, 'admin.token') } }),
    ops: readOps(read, root.ops),
    ...(alerts.config && { alerts: alerts.config }),
    risk: readRisk(read, root.risk),
    log: { level: read.string(log.level, 'log.level', 'info') },
  };
  if (config.ops.auth === 'token' && !config.admin?.token) {
    read.errors.push('ops.auth: "token" needs admin.token');
  }
  const { listen: opsListen } = config.ops;
  // Port 0 asks for any free port, so two of them never clash.
  if (opsListen && opsListen.port !== 0 && opsListen.port === config.listen.port && opsListen.host === config.listen.host) {
    read.errors.push('ops.listen: must differ from listen, the webhook listener');
  }
  if (config.admin && config.admin.token.length < 16) {
    read.errors.push('admin.token: must be at least 16 characters');
  }
  if (config.retry.maxDelayMs < config.retry.initialDelayMs) {
    read.errors.push('retry.maxDelayMs: must not be smaller than retry.initialDelayMs');
  }
  // Only once every host and URL is sound: the check reads them.
  if (read.errors.length === 0) read.errors.push(...placeholderRefusals(config));
  return read.errors.length > 0 ? { ok: false, errors: read.errors } : { ok: true, config };
}
