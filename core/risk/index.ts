export * from './types';
export { DEFAULT_AMOUNTS, DEFAULT_RULES, DEFAULT_RISK_CONFIG, riskConfig } from './defaults';
export { priorityFor, thresholdFor } from './priority';
export { parseCurrencyAmounts, formatCurrencyAmounts } from './amounts';
export { ewmaSpike, type SpikeReading } from './ewma';
export { scoreEvent } from './score';
export { MemoryRiskWindowStore } from './memory';
export { RedisRiskWindowStore, type RedisRiskWindowStoreOptions } from './redis';
