export * from './tracing.ts';
export * from './pipeline-metrics.ts';
export * from './flush.ts';
export * from './health-server.ts';
