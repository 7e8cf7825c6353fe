export * from './paths.ts';
export * from './inference-config.ts';
