import type { AmountThresholds, RiskConfig, RiskRules } from './types';

const MINUTE = 60_000;

/**
 * Starting points, in ISO minor units: 1,000 (150,000 yen) is high value, 2 (300 yen) or less
 * is a card tester's size. Currencies not listed are simply not judged on amount.
 */
export const DEFAULT_AMOUNTS: AmountThresholds = {
  highValue: { USD: 100_000, EUR: 100_000, GBP: 100_000, CHF: 100_000, CAD: 100_000, AUD: 100_000, JPY: 150_000 },
  small: { USD: 200, EUR: 200, GBP: 200, CHF: 200, CAD: 200, AUD: 200, JPY: 300 },
};

export const DEFAULT_RULES: RiskRules = {
  windowMs: 10 * MINUTE,
  attempts: { limit: 10, weight: 20 },
  declines: { limit: 5, weight: 25 },
  declineRatio: { limit: 0.5, minAttempts: 5, weight: 20 },
  smallShare: { limit: 0.6, minAttempts: 5, weight: 20 },
  distinctCards: { limit: 4, weight: 30 },
  providerScore: { limit: 75, weight: 40 },
  spike: { lambda: 0.3, k: 3, bucketMs: MINUTE, history: 60, minBuckets: 5, weight: 15 },
  lanes: { review: 30, block: 70 },
};

export const DEFAULT_RISK_CONFIG: RiskConfig = { amounts: DEFAULT_AMOUNTS, rules: DEFAULT_RULES };

/** A deep-enough merge for the config's two levels, so callers override only what they name. */
export function riskConfig(overrides: { amounts?: Partial<AmountThresholds>; rules?: DeepPartial<RiskRules> } = {}): RiskConfig {
  const rules = { ...DEFAULT_RULES } as Record<string, unknown>;
  for (const [name, value] of Object.entries(overrides.rules ?? {})) {
    const base = rules[name];
    rules[name] = typeof base === 'object' && base !== null ? { ...base, ...(value as object) } : value;
  }
  return { amounts: { ...DEFAULT_AMOUNTS, ...overrides.amounts }, rules: rules as unknown as RiskRules };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
