/**
 * A gateway's settings described as data, owned by its provider file. The n8n credential form,
 * the trigger's SourceConfig, the runtime's config validation and the docs' settings tables are
 * all built from this one description, so a field is named, typed and explained once.
 */
import type { ProviderSetting, ProviderSettings, SecretSetting, SourceConfig } from './types';

export function tolerance(seconds: number): ProviderSetting {
  return {
    name: 'toleranceSeconds',
    displayName: 'Allowed Clock Difference (Seconds)',
    type: 'number',
    default: seconds,
    min: 1,
    description:
      'Events whose signed time is further than this from now (in either direction) are refused, so a captured request cannot be replayed later',
  };
}

/** Where the confirm fetch goes; empty means the gateway's own API. */
export function apiBaseUrl(gateway: string): ProviderSetting {
  return {
    name: 'apiBaseUrl',
    displayName: 'API Base URL (Advanced)',
    type: 'string',
    default: '',
    format: 'url',
    description: `Leave empty to reach ${gateway}'s API directly. Set it only when n8n must go through an egress proxy.`,
  };
}

export function secretSetting(displayName: string, description: string, placeholder?: string): SecretSetting {
  return { displayName, description, placeholder };
}

/** Whether a field applies given the other values (its `showWhen`). */
export function applies(field: ProviderSetting, values: Record<string, unknown>): boolean {
  return !field.showWhen || field.showWhen.values.includes(String(values[field.showWhen.field] ?? ''));
}

/**
 * A credential's values (`secret`, `previousSecret` and the fields) as the provider's
 * SourceConfig, the same shape as a runtime source.
 */
export function sourceConfigFromValues(settings: ProviderSettings, values: Record<string, unknown>): SourceConfig {
  const secrets = [values.secret, values.previousSecret]
    .filter((value): value is string => typeof value === 'string')
    // A pasted secret often carries a stray space or line break; no gateway's secret has one.
    .map((value) => value.trim())
    .filter((value) => value !== '');
  const config: SourceConfig = { secrets };
  for (const field of settings.fields) {
    const value = values[field.name];
    if (value === undefined || value === '') continue;
    config[field.name] = field.type === 'number' ? Number(value) : value;
  }
  return config;
}

/**
 * The config with each declared default filled in where the source leaves the field unset, so a
 * runtime source behaves as a credential saved from the n8n form (which stores the defaults):
 * a Paddle source without `toleranceSeconds` gets Paddle's 5 s, not another gateway's window.
 */
export function withDefaults(settings: ProviderSettings, config: SourceConfig): SourceConfig {
  let filled: SourceConfig | undefined;
  for (const field of settings.fields) {
    if (config[field.name] !== undefined || field.default === '' || !applies(field, config)) continue;
    filled ??= { ...config };
    filled[field.name] = field.default;
  }
  return filled ?? config;
}

/** The display names of required values left empty, for a clear message. */
export function missingSettings(settings: ProviderSettings, values: Record<string, unknown>): string[] {
  const empty = (name: string) =>
    typeof values[name] !== 'number' && typeof values[name] !== 'boolean' && String(values[name] ?? '').trim() === '';
  const missing: string[] = [];
  if (settings.secret && !settings.secret.optional && empty('secret')) missing.push(settings.secret.displayName);
  for (const field of settings.fields) {
    if (field.required && applies(field, values) && empty(field.name)) missing.push(field.displayName);
  }
  return missing;
}
