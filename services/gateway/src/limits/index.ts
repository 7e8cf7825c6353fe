// Input limits on the GraphQL API: document size/depth/cost, per-principal rates, what the schema reveals.
export { analyzeOperation, DEFAULT_LIST_SIZE, type OperationCost } from './query-analysis.ts';
export { queryLimits, type QueryLimits } from './query-limits.plugin.ts';
export { peerAddress, principalKey, rateLimited, rateLimits, type RateLimits } from './rate-limit.plugin.ts';
export { schemaDiscovery } from './schema-discovery.plugin.ts';
export { TokenBuckets, type TakeResult } from './token-bucket.ts';
export { typedRequestErrors } from './request-errors.plugin.ts';
