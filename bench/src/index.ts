export * from './sr-bench.ts';
export * from './pipeline-bench.ts';
