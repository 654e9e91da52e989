import pino, { type Logger } from 'pino';
import { Writable } from 'node:stream';
import { Runtime, type RuntimeOptions } from '../../../runtime/src/runtime';
import { validateConfig } from '../../../runtime/src/config/validate';
import type { RuntimeConfig } from '../../../runtime/src/config/types';
import { DELIVERY_SECRET, configObject, type ConfigOptions } from '../support/harness';

/** Shared by the observability tests: configs with several destinations, scrapes, captured logs. */
export interface ObservedConfigOptions extends ConfigOptions {
  /** Extra destinations besides `n8n` (name → URL). */
  extraDestinations?: Record<string, string>;
  alerts?: Record<string, unknown>;
}

export function observedConfig(options: ObservedConfigOptions): RuntimeConfig {
  const object = configObject(options);
  const destinations = object.destinations as Array<Record<string, unknown>>;
  for (const [name, url] of Object.entries(options.extraDestinations ?? {})) {
    destinations.push({ name, url, signingSecret: DELIVERY_SECRET, kinds: ['*'], concurrency: 2, timeoutMs: 2_000 });
  }
  if (options.alerts) object.alerts = options.alerts;
  const result = validateConfig(object);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config;
}

export interface CapturedLogs {
  logger: Logger;
  /** Every line written so far, as written. */
  text(): string;
  lines(): Array<Record<string, unknown>>;
}

/** A pino logger at `trace` (everything the runtime could log) writing into memory. */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    logger: pino({ level: 'trace' }, stream),
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export async function startObserved(config: RuntimeConfig, options: Omit<RuntimeOptions, 'config'> = {}) {
  const runtime = new Runtime({ config, logger: options.logger ?? pino({ level: 'silent' }), ...options });
  const { url } = await runtime.start();
  return { runtime, url: url ?? '' };
}

export async function scrape(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

/**
 * The value of one series in Prometheus text exposition, or undefined when absent.
 * `labels` must match the series' labels exactly (every label, no more).
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]] = pair[2];
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(found).length && wanted.every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}
