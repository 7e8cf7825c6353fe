// Input limits on the GraphQL API: document size/depth/cost, and per-principal rates.
export { analyzeOperation, DEFAULT_LIST_SIZE, type OperationCost } from './query-analysis.ts';
export { queryLimits, type QueryLimits } from './query-limits.plugin.ts';
export { principalKey, rateLimits, type RateLimits } from './rate-limit.plugin.ts';
export { TokenBuckets, type TakeResult } from './token-bucket.ts';
export { typedRequestErrors } from './request-errors.plugin.ts';
