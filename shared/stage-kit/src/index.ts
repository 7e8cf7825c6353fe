export * from './stage-io.ts';
export * from './serve-stage.ts';
export * from './readiness.ts';
