export * from './sr-bench.ts';
