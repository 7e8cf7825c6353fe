export * from './paths.ts';
export * from './inference-config.ts';
export * from './platform-config.ts';
export * from './telemetry-config.ts';
export * from './local-credentials.ts';
