// Whole-item progress and ETA from this server's recorded stage durations.
export { estimateItem, type ItemEstimate } from './item-estimate.ts';
export { createStageRateSource, type StageRateSource } from './rate-source.ts';
export { priorRate, ratesFromHistory, rateKey, rateOf, workOf, type StageRateTable } from './stage-rates.ts';
