/**
 * `alerts:` in the runtime config: where alerts go and when they fire.
 *
 * ```yaml
 * alerts:
 *   url: ${ALERT_WEBHOOK_URL}        # an n8n webhook or a Slack incoming webhook
 *   windowMs: 900000                 # one alert per kind and subject per window
 *   refusedBurst: { count: 20, windowMs: 60000 }
 *   deadLetters: 10                  # open dead letters
 *   failingDeliveries: 5             # consecutive failed attempts to one destination
 * ```
 */
import { readInteger } from '../config/integer';

export interface AlertsConfig {
  url: string;
  windowMs: number;
  refusedBurst: { count: number; windowMs: number };
  deadLetters: number;
  failingDeliveries: number;
  /** Whether a fired risk spike (core/risk's spike signal) alerts; on by default. */
  riskSpike: boolean;
}

export const ALERT_DEFAULTS: Omit<AlertsConfig, 'url'> = {
  windowMs: 15 * 60 * 1000,
  refusedBurst: { count: 20, windowMs: 60 * 1000 },
  deadLetters: 10,
  failingDeliveries: 5,
  riskSpike: true,
};

const FIELDS = ['url', 'windowMs', 'refusedBurst', 'deadLetters', 'failingDeliveries', 'riskSpike'];

type Json = Record<string, unknown>;

/** Alert thresholds and windows are positive: zero would alert on nothing or on everything. */
function positiveInteger(value: unknown, setting: { path: string; fallback: number; errors: string[] }): number {
  return readInteger(value, { ...setting, min: 1 });
}

/** Reads and checks `alerts`; every error names its field. Absent means no alerts. */
export function readAlertsConfig(value: unknown): { config?: AlertsConfig; errors: string[] } {
  const errors: string[] = [];
  if (value === undefined || value === null) return { errors };
  if (typeof value !== 'object' || Array.isArray(value)) return { errors: ['alerts: must be an object'] };
  const entry = value as Json;
  for (const key of Object.keys(entry)) if (!FIELDS.includes(key)) errors.push(`alerts.${key}: unknown field`);
  const url = typeof entry.url === 'string' ? entry.url : '';
  try {
    if (!/^https?:$/.test(new URL(url).protocol)) throw new Error('protocol');
  } catch {
    errors.push('alerts.url: must be an http or https URL');
  }
  const burst = (entry.refusedBurst ?? {}) as Json;
  if (typeof burst !== 'object' || Array.isArray(burst)) errors.push('alerts.refusedBurst: must be an object');
  if (entry.riskSpike !== undefined && typeof entry.riskSpike !== 'boolean') errors.push('alerts.riskSpike: must be true or false');
  const config: AlertsConfig = {
    url,
    windowMs: positiveInteger(entry.windowMs, { path: 'alerts.windowMs', fallback: ALERT_DEFAULTS.windowMs, errors }),
    refusedBurst: {
      count: positiveInteger(burst.count, { path: 'alerts.refusedBurst.count', fallback: ALERT_DEFAULTS.refusedBurst.count, errors }),
      windowMs: positiveInteger(burst.windowMs, { path: 'alerts.refusedBurst.windowMs', fallback: ALERT_DEFAULTS.refusedBurst.windowMs, errors }),
    },
    deadLetters: positiveInteger(entry.deadLetters, { path: 'alerts.deadLetters', fallback: ALERT_DEFAULTS.deadLetters, errors }),
    failingDeliveries: positiveInteger(entry.failingDeliveries, { path: 'alerts.failingDeliveries', fallback: ALERT_DEFAULTS.failingDeliveries, errors }),
    riskSpike: entry.riskSpike !== false,
  };
  return errors.length > 0 ? { errors } : { config, errors };
}
